-- Files changed outside Neovim (a `git pull`) reach the server through Neovim's file watcher.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

local NOTE = table.concat({
  'title: Pulled note',
  'mode: file',
  'where: [empty_file, module]',
  'languages: [python]',
  'questions:',
  '  topic:',
  '    type: str',
  '    default: notes',
  '',
}, '\n')

local function offered(bufnr, title)
  return vim.tbl_contains(H.titles(H.code_actions(bufnr)), title)
end

H.test('the server registers its watchers with Neovim', function()
  local _, client = H.open('src/app.py')
  H.eq(true, client.capabilities.workspace.didChangeWatchedFiles.dynamicRegistration)
  local watchers
  H.wait('a didChangeWatchedFiles registration', function()
    for _, registration in ipairs(client.registrations['workspace/didChangeWatchedFiles'] or {}) do
      watchers = registration.registerOptions.watchers
    end
    return watchers ~= nil
  end)
  local patterns = vim.tbl_map(function(watcher)
    return type(watcher.globPattern) == 'string' and watcher.globPattern or watcher.globPattern.pattern
  end, watchers)
  H.ok(vim.tbl_contains(patterns, '**/*.template-answers.yml'), vim.inspect(patterns))
  H.ok(vim.tbl_contains(patterns, '**/.scion/config.toml'), vim.inspect(patterns))
  H.ok(vim.tbl_contains(patterns, '**/.scion/templates/**'), vim.inspect(patterns))
end)

H.test('a template written on disk is offered without a restart, and withdrawn when deleted', function()
  local bufnr = H.open('src/app.py')
  H.ok(not offered(bufnr, 'Generate: Pulled note'))
  H.write('.scion/templates/team/note/1.0.0/files/{{ topic }}.py.jinja', '"""{{ topic }}"""\n')
  H.write('.scion/templates/team/note/1.0.0/template.yml', NOTE)
  H.wait('the pulled template in the code actions', function()
    return offered(bufnr, 'Generate: Pulled note')
  end, 20000)
  vim.fn.delete(H.path('.scion/templates/team'), 'rf')
  H.wait('the deleted template gone from the code actions', function()
    return not offered(bufnr, 'Generate: Pulled note')
  end, 20000)
end)

H.test('watch_files = false leaves file watching to Neovim defaults', function()
  local cfg = require('scion.config')
  H.eq(nil, cfg.capabilities(vim.tbl_extend('force', cfg.defaults, { watch_files = false })))
end)

H.finish()
