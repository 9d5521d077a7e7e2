-- Upgrades, stats and evolution through the client.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()
-- New questions of the newer version are asked again: take every default.
H.stub_ui(function(items)
  return items[1]
end, function(opts)
  return opts.default
end)

---@param client vim.lsp.Client
---@param command string
local function assert_command(client, command)
  local commands = vim.tbl_get(client.server_capabilities, 'executeCommandProvider', 'commands') or {}
  H.ok(vim.tbl_contains(commands, command), command .. ' is not advertised: ' .. vim.inspect(commands))
end

--- Generates `relative` from python/dataclass 1.0.0 with the CLI (the newest is 1.1.0).
local function generate_old(relative)
  local done = vim
    .system(
      { H.scion, 'generate', 'python/dataclass', '--version', '1.0.0', '--path', relative, '--defaults' },
      { cwd = H.workspace, text = true }
    )
    :wait(60000)
  H.eq(0, done.code, 'scion generate: ' .. (done.stderr or ''))
end

--- Opens `relative`, generated from the older version, once the server advertises `command`.
---@return integer bufnr
local function open_old(relative, command)
  generate_old(relative)
  local bufnr, client = H.open(relative)
  assert_command(client, command)
  return bufnr
end

---@return vim.Diagnostic[]
local function upgrade_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.code == 'scion.upgrade'
  end, vim.diagnostic.get(bufnr))
end

--- Waits until the answer file of `relative` records version 1.1.0.
local function wait_recorded(relative)
  H.wait('the answer file to record 1.1.0', function()
    return (H.read(relative .. '.template-answers.yml') or ''):find('version: 1.1.0', 1, true) ~= nil
  end, 15000)
end

--- Waits until the buffer holds the 1.1.0 code (slots) and the answer file of `relative` records 1.1.0.
local function wait_upgraded(bufnr, relative)
  H.wait_text(bufnr, 'slots=True', 15000)
  wait_recorded(relative)
end

H.test('an upgrade diagnostic appears for a file from an older template version, and its quick-fix applies', function()
  local bufnr = open_old('src/point.py', 'scion.upgrade')
  H.wait('the scion.upgrade diagnostic', function()
    return #upgrade_diagnostics(bufnr) > 0
  end, 15000)
  local diagnostic = upgrade_diagnostics(bufnr)[1]
  H.eq(vim.diagnostic.severity.INFO, diagnostic.severity)
  -- The user's path: cursor on the diagnostic, then the code action menu, filtered to the upgrade fix.
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local offered = {}
  vim.lsp.buf.code_action({
    apply = true,
    context = { only = { 'quickfix' } },
    filter = function(action)
      offered[#offered + 1] = action.title
      local title = action.title:lower()
      return title:find('upgrade') ~= nil and not title:find('preview') and not title:find('skip')
    end,
  })
  H.wait('the upgrade quick-fix to be offered', function()
    return #offered > 0
  end)
  wait_upgraded(bufnr, 'src/point.py')
  H.wait('the diagnostic to go', function()
    return #upgrade_diagnostics(bufnr) == 0
  end)
  H.contains(H.text(bufnr), 'class Point')
end)

H.test(':Scion upgrade upgrades the current file', function()
  local bufnr = open_old('src/shape.py', 'scion.upgrade')
  vim.cmd('Scion upgrade')
  wait_upgraded(bufnr, 'src/shape.py')
  H.contains(H.text(bufnr), 'class Shape')
end)

H.test(':Scion upgrade all reports its summary', function()
  open_old('src/circle.py', 'scion.upgradeAll')
  H.wait_notified('upgrade all:', function()
    vim.cmd('Scion upgrade all')
  end, 20000)
  wait_recorded('src/circle.py')
end)

H.test(':Scion stats shows a summary and writes the HTML report', function()
  local _, client = H.open('src/app.py')
  assert_command(client, 'scion.stats')
  local opened
  vim.ui.open = function(path)
    opened = path
    return nil, nil
  end
  vim.cmd('Scion stats open')
  H.wait('the stats buffer', function()
    return vim.api.nvim_buf_get_name(0):find('scion://stats/', 1, true) ~= nil
  end)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  H.eq('Scion statistics', lines[1])
  local report = require('scion.commands').stats_report
  H.eq(report, opened)
  H.contains(table.concat(vim.fn.readfile(report), '\n'):lower(), '<html')
  vim.cmd('close')
end)

H.test(':Scion evolve runs the engine and reports', function()
  local _, client = H.open('src/app.py')
  assert_command(client, 'scion.evolve')
  H.wait_notified('evolution done', function()
    vim.cmd('Scion evolve dry-run')
  end, 60000)
end)

H.finish()
