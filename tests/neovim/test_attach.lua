-- The client attaches through vim.lsp.enable('scion'), gets its status, and :Scion is wired up.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

H.test('vim.lsp.enable attaches the server to a python file', function()
  local bufnr, client = H.open('src/app.py')
  H.eq(H.workspace, client.root_dir, 'root from .git')
  H.eq({ H.python, '-P', '-m', 'server' }, client.config.cmd)
  H.eq(true, client.config.init_options.ask)
  H.ok(vim.lsp.buf_is_attached(bufnr, client.id))
  H.ok(vim.tbl_contains(client.server_capabilities.executeCommandProvider.commands, 'scion.generate'))
end)

H.test('scion/status arrives and feeds the statusline', function()
  local seen
  vim.api.nvim_create_autocmd('User', {
    pattern = 'ScionStatus',
    callback = function(args)
      seen = args.data.status
    end,
  })
  local client = vim.lsp.get_clients({ name = 'scion' })[1]
  H.wait('a scion/status notification', function()
    return require('scion.status').by_client[client.id] ~= nil
  end)
  H.eq('ready', require('scion.status').by_client[client.id].state)
  H.contains(require('scion.status').statusline(), 'Scion: ready')
  H.ok(seen == nil or seen.state ~= nil)
end)

H.test('a team hub that is not connected shows in the statusline', function()
  local status = require('scion.status')
  local client = vim.lsp.get_clients({ name = 'scion' })[1]
  local before = status.by_client[client.id]
  status.handler(nil, {
    state = 'ready',
    message = '',
    upgradesAvailable = 0,
    hub = { state = 'offline', message = 'the hub cannot be reached', backlog = 2 },
  }, { client_id = client.id })
  H.contains(status.statusline(), 'Scion: ready, hub offline')
  status.handler(nil, before, { client_id = client.id })
end)

H.test('the server attaches to the other builtin languages and not to text', function()
  for _, name in ipairs({ 'web/card.tsx', 'cmd/main.go', 'src/lib.rs', 'lib/cache.ex' }) do
    H.open(name)
  end
  vim.cmd.edit(vim.fn.fnameescape(H.path('notes.txt')))
  vim.wait(300)
  H.eq(0, #vim.lsp.get_clients({ bufnr = 0, name = 'scion' }), 'no client on a text file')
  H.eq(1, #vim.lsp.get_clients({ name = 'scion' }), 'one server for the workspace')
end)

H.test(':Scion completes its subcommands and their arguments', function()
  H.eq(
    { 'copier', 'evolve', 'generate', 'log', 'restart', 'stats', 'upgrade' },
    vim.fn.getcompletion('Scion ', 'cmdline')
  )
  H.eq({ 'all' }, vim.fn.getcompletion('Scion upgrade ', 'cmdline'))
  H.eq({ 'dry-run' }, vim.fn.getcompletion('Scion evolve d', 'cmdline'))
  H.eq({}, vim.fn.getcompletion('Scion generate ', 'cmdline'))
end)

H.test('<Plug> mappings exist and no default keymaps are added', function()
  for _, lhs in ipairs({ 'generate', 'upgrade', 'upgrade-all', 'stats', 'evolve', 'restart' }) do
    H.ok(vim.fn.maparg(('<Plug>(scion-%s)'):format(lhs), 'n') ~= '', lhs)
  end
  for _, map in ipairs(vim.api.nvim_get_keymap('n')) do
    H.ok(not (map.desc or ''):match('^Scion') or map.lhs:match('^<Plug>'), 'default keymap ' .. map.lhs)
  end
end)

H.test('an unknown subcommand is a clear error', function()
  local messages = {}
  local notify = vim.notify
  vim.notify = function(message, level)
    messages[#messages + 1] = { message, level }
  end
  vim.cmd('Scion frobnicate')
  vim.notify = notify
  H.contains(messages[1][1], 'unknown subcommand "frobnicate"')
  H.eq(vim.log.levels.ERROR, messages[1][2])
end)

H.test(':Scion restart starts a new server for the same buffers', function()
  local bufnr = H.open('src/app.py')
  local old = vim.lsp.get_clients({ bufnr = bufnr, name = 'scion' })[1]
  vim.cmd('Scion restart')
  H.ok(old:is_stopped(), 'the old client stopped')
  H.wait('a new client on the buffer', function()
    local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'scion' })[1]
    return client ~= nil and client.id ~= old.id and client.initialized
  end, 15000)
end)

H.test(':Scion log opens the server log file', function()
  vim.cmd('Scion log')
  H.eq(require('scion.config').log_file(require('scion.config').get()), vim.api.nvim_buf_get_name(0))
  H.contains(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'), 'Scion initialised')
  vim.cmd('close')
end)

H.test('YAML: templates, copier manifests and answer files get the server, other YAML files do not', function()
  for _, name in ipairs({
    '.scion/templates/team/note/1.0.0/template.yml',
    'copier.yml',
    'copier.yaml',
    'src/order.py.template-answers.yml',
    '.copier-answers.yml',
  }) do
    H.open(name)
  end
  for _, name in ipairs({ '.github/workflows/ci.yml', 'docker-compose.yml', 'config/settings.yaml' }) do
    H.write(name, 'key: value\n')
    vim.cmd.edit(vim.fn.fnameescape(H.path(name)))
    H.eq('yaml', vim.bo.filetype, name)
    vim.wait(300)
    H.eq(0, #vim.lsp.get_clients({ bufnr = 0, name = 'scion' }), 'no client on ' .. name)
  end
end)

H.test('the filetypes come from the list the VS Code extension shares', function()
  local file = assert(io.open(vim.fs.joinpath(H.plugin, 'languages.json')))
  local shared = vim.json.decode(file:read('*a'))
  file:close()
  local filetypes = vim.lsp.config.scion.filetypes
  for _, language in ipairs(shared.languages) do
    H.ok(vim.tbl_contains(filetypes, language), language)
  end
  H.ok(vim.tbl_contains(filetypes, 'yaml'))
end)

H.finish()
