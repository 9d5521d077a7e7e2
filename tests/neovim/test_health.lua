-- :checkhealth scion in a good setup, and with interpreters that cannot run the server.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

--- The :checkhealth report with `config` as vim.g.scion.
---@param config table
---@return string
local function health_with(config)
  vim.g.scion = config
  return H.checkhealth('scion')
end

H.test('a good setup has no ERROR', function()
  local _, client = H.open('src/app.py')
  H.wait('the server status', function()
    return require('scion.status').by_client[client.id] ~= nil
  end)
  local report = H.checkhealth('scion')
  H.ok(not report:find('ERROR'), report)
  H.contains(report, 'Neovim 0.')
  H.contains(report, 'Python 3.')
  H.contains(report, 'the server imports (Scion ')
  H.contains(report, 'writable: ' .. H.path('.scion/scion.db'))
  H.contains(report, 'no LLM configured')
  H.contains(report, 'ready')
end)

H.test('a python without the server is a clear ERROR with the fix', function()
  local report = health_with({ python = '/usr/bin/python3' })
  H.contains(report, 'ERROR the server cannot be imported by /usr/bin/python3')
  H.contains(report, "No module named 'server'")
  local checkout = vim.fs.dirname(vim.fs.dirname(H.plugin))
  H.contains(report, "/usr/bin/python3 -m pip install -e '" .. checkout .. "'")
  H.contains(report, 'not on PyPI yet')
end)

H.test('a python that does not exist is a clear ERROR', function()
  local report = health_with({ python = '/nonexistent/bin/python' })
  H.contains(report, 'ERROR Python not found: /nonexistent/bin/python')
end)

H.test('an invalid vim.g.scion is an ERROR; a configured LLM is reported', function()
  local llm = { model = 'hosted_vllm/tiny', apiBase = 'http://127.0.0.1:9' }
  H.contains(
    health_with({ python = H.python, settings = { llm = llm }, bogus = 1 }),
    'ERROR vim.g.scion.bogus: unknown option'
  )
  local report = health_with({ python = H.python, settings = { llm = llm } })
  H.contains(report, 'model hosted_vllm/tiny at http://127.0.0.1:9')
  H.ok(not report:find('ERROR'), report)
end)

H.test('an unwritable database folder is a WARNING', function()
  H.write('a-file', 'not a folder')
  local report = health_with({ python = H.python, settings = { database = { path = 'a-file/scion.db' } } })
  H.contains(report, 'WARNING not writable: ' .. H.path('a-file/scion.db'))
end)

H.finish()
