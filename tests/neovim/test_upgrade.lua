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

---@return vim.Diagnostic[]
local function upgrade_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.code == 'scion.upgrade'
  end, vim.diagnostic.get(bufnr))
end

H.test('an upgrade diagnostic appears for a file from an older template version, and its quick-fix applies', function()
  generate_old('src/point.py')
  local bufnr, client = H.open('src/point.py')
  assert_command(client, 'scion.upgrade')
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
  H.wait('the buffer to hold the 1.1.0 code (slots)', function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'):find('slots=True', 1, true) ~= nil
  end, 15000)
  H.wait('the answer file to record 1.1.0', function()
    return (H.read('src/point.py.template-answers.yml') or ''):find('version: 1.1.0') ~= nil
  end, 15000)
  H.wait('the diagnostic to go', function()
    return #upgrade_diagnostics(bufnr) == 0
  end)
  H.contains(table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'), 'class Point')
end)

H.test(':Scion upgrade upgrades the current file', function()
  generate_old('src/shape.py')
  local bufnr, client = H.open('src/shape.py')
  assert_command(client, 'scion.upgrade')
  vim.cmd('Scion upgrade')
  H.wait('the buffer to hold the 1.1.0 code (slots)', function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'):find('slots=True', 1, true) ~= nil
  end, 15000)
  H.wait('the answer file to record 1.1.0', function()
    return (H.read('src/shape.py.template-answers.yml') or ''):find('version: 1.1.0') ~= nil
  end, 15000)
  H.contains(table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'), 'class Shape')
end)

H.test(':Scion upgrade all reports its summary', function()
  generate_old('src/circle.py')
  local _, client = H.open('src/circle.py')
  assert_command(client, 'scion.upgradeAll')
  local messages = {}
  local notify = vim.notify
  vim.notify = function(message)
    messages[#messages + 1] = message
  end
  vim.cmd('Scion upgrade all')
  H.wait('the summary', function()
    return vim.iter(messages):any(function(m)
      return m:find('upgrade all:') ~= nil
    end)
  end, 20000)
  vim.notify = notify
  H.wait('the answer file to record 1.1.0', function()
    return (H.read('src/circle.py.template-answers.yml') or ''):find('version: 1.1.0') ~= nil
  end, 15000)
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
  local messages = {}
  local notify = vim.notify
  vim.notify = function(message)
    messages[#messages + 1] = message
  end
  vim.cmd('Scion evolve dry-run')
  H.wait('the evolution summary', function()
    return vim.iter(messages):any(function(m)
      return m:find('evolution done') ~= nil
    end)
  end, 60000)
  vim.notify = notify
end)

H.finish()
