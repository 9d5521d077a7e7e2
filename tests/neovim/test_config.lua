-- vim.g.scion: merged over defaults, validated with clear errors, turned into the server config.
local H = dofile(vim.env.SCION_TEST_HELPERS)
vim.opt.runtimepath:prepend(H.plugin)
local config = require('scion.config')

local function resolved()
  return assert(loadfile(vim.api.nvim_get_runtime_file('lsp/scion.lua', false)[1]))()
end

H.test('defaults: python3 -P -m server, the builtin filetypes, .scion/.git roots, ask and empty settings', function()
  vim.g.scion = nil
  local lsp = resolved()
  H.eq({ 'python3', '-P', '-m', 'server' }, lsp.cmd)
  H.eq({ '.scion', '.git' }, lsp.root_markers)
  for _, filetype in ipairs({ 'python', 'typescript', 'typescriptreact', 'javascript', 'go', 'rust', 'elixir' }) do
    H.ok(vim.tbl_contains(lsp.filetypes, filetype), filetype)
  end
  H.eq(true, lsp.init_options.ask)
  H.eq('{}', vim.json.encode(lsp.init_options.scion), 'an object on the wire')
  H.ok(lsp.handlers['scion/ask'] and lsp.handlers['scion/status'])
end)

H.test('python and settings from vim.g.scion; server.pythonPath is client-only', function()
  vim.g.scion = { settings = { server = { pythonPath = '/opt/py/bin/python' }, llm = { model = 'm' } } }
  local lsp = resolved()
  H.eq({ '/opt/py/bin/python', '-P', '-m', 'server' }, lsp.cmd)
  H.eq({ llm = { model = 'm' } }, lsp.init_options.scion)
  vim.g.scion = { python = '/usr/bin/python3.11', settings = { server = { pythonPath = '/opt/py/bin/python' } } }
  H.eq({ '/usr/bin/python3.11', '-P', '-m', 'server' }, resolved().cmd)
end)

H.test('cmd overrides python; log_file is passed to serve', function()
  vim.g.scion = { cmd = { 'scion', 'serve' }, python = 'ignored' }
  H.eq({ 'scion', 'serve' }, resolved().cmd)
  vim.g.scion = { python = 'py', log_file = '/tmp/s.log' }
  H.eq({ 'py', '-P', '-m', 'server', 'serve', '--log-file', '/tmp/s.log' }, resolved().cmd)
  H.eq('/tmp/s.log', config.log_file(config.get()))
end)

H.test('invalid options are clear errors and fall back to the defaults', function()
  local cases = {
    { { python = 3 }, 'vim.g.scion.python: expected string, got number' },
    { { cmd = 'python -m server' }, 'vim.g.scion.cmd: expected a non-empty list of strings' },
    { { filetypes = {} }, 'vim.g.scion.filetypes: expected a non-empty list of strings' },
    { { settings = 'x' }, 'vim.g.scion.settings: expected table' },
    { { pyhton = 'x' }, 'vim.g.scion.pyhton: unknown option' },
  }
  for _, case in ipairs(cases) do
    vim.g.scion = case[1]
    local merged, err = config.get()
    H.contains(err, case[2])
    H.eq(config.defaults.filetypes, merged.filetypes)
  end
end)

H.test('an invalid vim.g.scion is reported once the config is resolved', function()
  local messages = {}
  vim.notify = function(message, level)
    messages[#messages + 1] = { message, level }
  end
  vim.g.scion = { python = false }
  local lsp = resolved()
  vim.wait(100, function()
    return #messages > 0
  end)
  H.eq({ 'python3', '-P', '-m', 'server' }, lsp.cmd)
  H.contains(messages[1][1], 'vim.g.scion.python')
  H.eq(vim.log.levels.ERROR, messages[1][2])
end)

H.test('the default log file follows XDG_STATE_HOME like the server', function()
  vim.g.scion = nil
  H.eq(vim.env.XDG_STATE_HOME .. '/scion/log/scion.log', config.log_file(config.get()))
end)

H.finish()
