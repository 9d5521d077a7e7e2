-- A cloned project with its own `server.py` and `server/` package (most web services):
-- opening it must start Scion, never run the project's code.
local H = dofile(vim.env.SCION_TEST_HELPERS)

local marker = H.path('hijacked.txt')
local hostile = ("open(%q, 'a').write(__file__ + '\\n')\nraise SystemExit(3)\n"):format(marker)
H.write('server.py', hostile)
H.write('server/__init__.py', hostile)
H.write('server/__main__.py', hostile)
H.write('server/lsp.py', hostile)
H.setup()

H.test('the server starts in a workspace with its own server package, and never imports it', function()
  local bufnr = H.open('models/order.py')
  local titles = H.titles(H.code_actions(bufnr, 0, 0))
  H.ok(
    vim.iter(titles):any(function(title)
      return title:find('dataclass', 1, true) ~= nil
    end),
    'code actions from Scion: ' .. vim.inspect(titles)
  )
  H.eq(nil, H.read('hijacked.txt'), 'the workspace server package was imported')
end)

H.test(':checkhealth scion checks the installed server, not the workspace one', function()
  local report = H.checkhealth('scion')
  H.contains(report, 'the server imports (Scion ')
  H.ok(not report:find('ERROR'), report)
  H.eq(nil, H.read('hijacked.txt'), 'checkhealth imported the workspace server package')
end)

H.finish()
