-- Test helpers for the Neovim client: a tiny harness, a workspace, and LSP waits.
-- Loaded by each test file with dofile(vim.env.SCION_TEST_HELPERS); run.py sets the environment.

local H = {}

H.workspace = assert(vim.env.SCION_TEST_WORKSPACE, 'run the tests with tests/neovim/run.py')
H.python = assert(vim.env.SCION_TEST_PYTHON)
H.plugin = assert(vim.env.SCION_PLUGIN)
H.scion = vim.env.SCION_TEST_SCION

local counts = { passed = 0, failed = 0 }

local function say(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

--- Puts the plugin on the runtimepath the way a package manager would, and enables the server.
---@param user_config? table vim.g.scion (default: the test virtualenv's python)
function H.setup(user_config)
  vim.opt.runtimepath:prepend(H.plugin)
  vim.g.scion = user_config or { python = H.python }
  vim.cmd.runtime('plugin/scion.lua')
  vim.lsp.enable('scion')
end

---@param name string
---@param fn fun()
function H.test(name, fn)
  local started = vim.uv.hrtime()
  local ok, err = xpcall(fn, function(e)
    return debug.traceback(tostring(e), 2)
  end)
  local ms = (vim.uv.hrtime() - started) / 1e6
  if ok then
    counts.passed = counts.passed + 1
    say(('ok - %s (%.0f ms)'):format(name, ms))
  else
    counts.failed = counts.failed + 1
    say(('not ok - %s (%.0f ms)'):format(name, ms))
    for line in tostring(err):gmatch('[^\n]+') do
      say('    ' .. line)
    end
  end
end

--- Stops the servers and exits: cquit on any failure.
function H.finish()
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
  if counts.failed > 0 or counts.passed == 0 then
    vim.cmd('cquit 1')
  end
  vim.cmd('qall!')
end

function H.ok(condition, message)
  if not condition then
    error(message or 'assertion failed', 2)
  end
  return condition
end

function H.eq(expected, actual, message)
  if not vim.deep_equal(expected, actual) then
    error(
      ('%sexpected %s, got %s'):format(message and (message .. ': ') or '', vim.inspect(expected), vim.inspect(actual)),
      2
    )
  end
end

---@param text string
---@param needle string
function H.contains(text, needle, message)
  if type(text) ~= 'string' or not text:find(needle, 1, true) then
    error(
      ('%sexpected %s in %s'):format(message and (message .. ': ') or '', vim.inspect(needle), vim.inspect(text)),
      2
    )
  end
end

--- Waits for a predicate; errors with `what` after the timeout.
function H.wait(what, predicate, timeout)
  if not vim.wait(timeout or 10000, predicate, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

---@param relative string
---@return string absolute path inside the workspace
function H.path(relative)
  return vim.fs.joinpath(H.workspace, relative)
end

---@param relative string
---@return string?
function H.read(relative)
  local file = io.open(H.path(relative), 'r')
  if not file then
    return nil
  end
  local text = file:read('*a')
  file:close()
  return text
end

---@param relative string
---@param text string
function H.write(relative, text)
  local path = H.path(relative)
  vim.fn.mkdir(vim.fs.dirname(path), 'p')
  local file = assert(io.open(path, 'w'))
  file:write(text)
  file:close()
end

--- Opens a workspace file and waits until the Scion client is attached and initialised.
---@param relative string
---@return integer bufnr, vim.lsp.Client client
function H.open(relative)
  local path = H.path(relative)
  vim.fn.mkdir(vim.fs.dirname(path), 'p')
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  H.wait('the scion client to attach to ' .. relative, function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = 'scion' })[1]
    return client ~= nil and client.initialized == true
  end, 15000)
  return bufnr, client
end

---@param bufnr integer
---@return string the buffer's lines joined by newlines
function H.text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

--- Waits until the buffer's text contains `needle` (plain text, not a pattern).
---@param bufnr integer
---@param needle string
---@param timeout integer?
function H.wait_text(bufnr, needle, timeout)
  H.wait('the buffer to hold ' .. needle, function()
    return H.text(bufnr):find(needle, 1, true) ~= nil
  end, timeout)
end

--- The user's path to one action: the code action menu at the cursor, the action with this title applied.
---@param title string
function H.apply_action(title)
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.title == title
    end,
  })
end

--- Runs `action` with vim.notify captured, waits for a message containing `needle`, then restores vim.notify.
---@param needle string
---@param action fun()
---@param timeout integer?
function H.wait_notified(needle, action, timeout)
  local messages = {}
  local notify = vim.notify
  vim.notify = function(message)
    messages[#messages + 1] = message
  end
  action()
  H.wait('a message with ' .. needle, function()
    return vim.iter(messages):any(function(m)
      return m:find(needle, 1, true) ~= nil
    end)
  end, timeout)
  vim.notify = notify
end

--- Lists code actions at a position.
---@return lsp.CodeAction[]
function H.code_actions(bufnr, line, character, diagnostics)
  local position = { line = line or 0, character = character or 0 }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = position, ['end'] = position },
    context = { diagnostics = diagnostics or {} },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000) or {}
  local actions = {}
  for _, response in pairs(responses) do
    H.ok(response.err == nil, 'codeAction error: ' .. vim.inspect(response.err))
    vim.list_extend(actions, response.result or {})
  end
  return actions
end

---@param actions lsp.CodeAction[]
---@return string[]
function H.titles(actions)
  return vim.tbl_map(function(action)
    return action.title
  end, actions)
end

--- Replaces vim.ui.select and vim.ui.input with scripted answers; records every prompt.
---@param answer_select fun(items: any[], opts: table): any
---@param answer_input fun(opts: table): string?
---@return table[] prompts
function H.stub_ui(answer_select, answer_input)
  local prompts = {}
  vim.ui.select = function(items, opts, on_choice)
    local labels = vim.tbl_map(opts.format_item or tostring, items)
    prompts[#prompts + 1] = { kind = 'select', prompt = opts.prompt, labels = labels, ui_kind = opts.kind }
    local choice = answer_select(items, opts, labels)
    local index
    for i, item in ipairs(items) do
      if item == choice then
        index = i
      end
    end
    -- Answer later, like a real picker does.
    vim.schedule(function()
      on_choice(choice, index)
    end)
  end
  vim.ui.input = function(opts, on_confirm)
    prompts[#prompts + 1] = { kind = 'input', prompt = opts.prompt, default = opts.default }
    local text = answer_input(opts)
    vim.schedule(function()
      on_confirm(text)
    end)
  end
  return prompts
end

--- Runs the :checkhealth report for a plugin and returns its text.
---@param name string
---@return string
function H.checkhealth(name)
  vim.cmd('checkhealth ' .. name)
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('bwipeout!')
  return text
end

return H
