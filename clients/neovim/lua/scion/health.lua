---@mod scion.health `:checkhealth scion`

local M = {}

local health = vim.health

--- Runs a program and waits for it.
---@param cmd string[]
---@return vim.SystemCompleted? result, string? error when it could not start
local function run(cmd)
  local ok, process = pcall(vim.system, cmd, { text = true })
  if not ok then
    return nil, tostring(process)
  end
  return process:wait(15000), nil
end

---@param text string?
---@return string
local function last_line(text)
  local lines = vim.split(vim.trim(text or ''), '\n', { plain = true })
  return lines[#lines] or ''
end

local function check_neovim()
  health.start('Neovim')
  local v = vim.version()
  local version = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. version)
  else
    health.error('Neovim ' .. version .. ' is too old', 'Scion needs Neovim 0.11 or newer (vim.lsp.config).')
  end
end

---@return scion.Config
local function check_config()
  health.start('Configuration (vim.g.scion)')
  local config, err = require('scion.config').get()
  if err then
    health.error(err, 'Fix vim.g.scion; the defaults are used meanwhile. See :help scion or the README.')
  elseif vim.g.scion == nil then
    health.ok('not set: using the defaults')
  else
    health.ok('valid')
  end
  if not vim.lsp.is_enabled('scion') and #vim.lsp.get_clients({ name = 'scion' }) == 0 then
    health.warn('the scion config is not enabled', "Add vim.lsp.enable('scion') to your config.")
  end
  return config
end

--- The interpreter the server runs with, when the command is `PYTHON [-P] -m server ...`.
---@param cmd string[]
---@return string?
local function python_of(cmd)
  local rest = cmd[2] == '-P' and 3 or 2
  if cmd[rest] == '-m' and cmd[rest + 1] == 'server' then
    return cmd[1]
  end
  return nil
end

--- The Scion checkout this plugin was loaded from (`<checkout>/clients/neovim`), when it is one.
---@return string?
local function checkout()
  local here = debug.getinfo(1, 'S').source:gsub('^@', '')
  local root = vim.fs.normalize(vim.fn.fnamemodify(here, ':p:h:h:h:h:h'))
  if vim.uv.fs_stat(vim.fs.joinpath(root, 'pyproject.toml')) then
    return root
  end
  return nil
end

--- The command that installs Scion (with `extra`, e.g. `[llm]`) into `python`. Scion is not
--- on PyPI yet (it will be `scion-lsp` there; `scion` on PyPI is another project), so the
--- command installs this plugin's own checkout.
---@param python string
---@param extra? string
---@return string
function M.install_command(python, extra)
  local source = checkout() or '<path of your Scion checkout>'
  return ("%s -m pip install -e '%s%s'"):format(python, source, extra or '')
end

---@param config scion.Config
---@return string? python usable interpreter
local function check_server(config)
  health.start('Scion server')
  local cmd = require('scion.config').cmd(config)
  health.info('command: ' .. table.concat(cmd, ' '))
  local python = python_of(cmd)
  if not python then
    if vim.fn.executable(cmd[1]) == 1 then
      health.ok(('custom command: %s is executable'):format(cmd[1]))
    else
      health.error(('custom command: %s is not executable'):format(cmd[1]), 'Fix vim.g.scion.cmd.')
    end
    return nil
  end
  local found = vim.fn.exepath(python)
  if found == '' then
    health.error(('Python not found: %s'):format(python), {
      'Install Python 3.11+ or set vim.g.scion.python to an interpreter that has Scion installed.',
    })
    return nil
  end
  -- -I: nothing from the working directory (the workspace) is imported; -P needs 3.11.
  local version_check = run({ found, '-I', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])' })
  local version = version_check and vim.trim(version_check.stdout or '') or '?'
  local parsed = vim.version.parse(version)
  if parsed and vim.version.lt(parsed, { 3, 11, 0 }) then
    health.error(('Python %s at %s is too old'):format(version, found), 'Scion needs Python 3.11 or newer.')
    return nil
  end
  health.ok(('Python %s: %s'):format(version, found))

  -- -P, as the server is started: the workspace's own `server` package must not answer.
  local import = run({ found, '-P', '-c', 'import server, server.lsp; print(server.__version__)' })
  if import and import.code == 0 then
    health.ok(('the server imports (Scion %s)'):format(vim.trim(import.stdout or '')))
    return found
  end
  local reason = import and last_line(import.stderr) or 'could not run Python'
  health.error(('the server cannot be imported by %s: %s'):format(found, reason), {
    'Install Scion into that interpreter from its checkout (it is not on PyPI yet): ' .. M.install_command(found),
    'or point vim.g.scion.python at the interpreter of the virtualenv where Scion is installed.',
  })
  return nil
end

--- Whether the database (and its WAL files beside it) can be written: probes the folder
--- that holds it, or the nearest existing one, with a real file (access() says yes to root).
---@param path string
---@return boolean
local function writable(path)
  local stat = vim.uv.fs_stat(path)
  if stat and (stat.type ~= 'file' or not vim.uv.fs_access(path, 'W')) then
    return false
  end
  local folder = vim.fs.dirname(path)
  while vim.uv.fs_stat(folder) == nil and vim.fs.dirname(folder) ~= folder do
    folder = vim.fs.dirname(folder)
  end
  local fd, probe = vim.uv.fs_mkstemp(vim.fs.joinpath(folder, '.scion-health-XXXXXX'))
  if not fd then
    return false
  end
  vim.uv.fs_close(fd)
  vim.uv.fs_unlink(probe)
  return true
end

---@param config scion.Config
local function check_database(config)
  health.start('Database')
  local root = vim.fs.root(0, { '.scion', '.git' }) or vim.fn.getcwd()
  local configured = vim.tbl_get(config.settings, 'database', 'path')
  if configured == ':memory:' then
    health.info('database.path is :memory: (history is lost when the server stops)')
    return
  end
  local path = configured and vim.fs.normalize(configured) or vim.fs.joinpath(root, '.scion', 'scion.db')
  if not vim.startswith(path, '/') and not path:match('^%a:[/\\]') then
    path = vim.fs.joinpath(root, path)
  end
  if writable(path) then
    health.ok(('writable: %s'):format(path))
  else
    health.warn(('not writable: %s'):format(path), {
      'The server falls back to an in-memory database and forgets its history.',
      'Set vim.g.scion.settings.database.path to a writable file.',
    })
  end
end

---@param config scion.Config
---@param python string?
local function check_llm(config, python)
  health.start('LLM')
  local model = vim.tbl_get(config.settings, 'llm', 'model')
  if type(model) ~= 'string' or model == '' then
    health.info('no LLM configured (settings.llm.model): answers come from learned programs, context and defaults')
    return
  end
  local base = vim.tbl_get(config.settings, 'llm', 'apiBase')
  health.ok(('model %s%s'):format(model, base and (' at ' .. base) or ''))
  if python then
    local found =
      run({ python, '-P', '-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("litellm") is None)' })
    if found and found.code == 0 then
      health.ok('litellm is installed')
    else
      health.warn('litellm is not installed: the LLM is not used', M.install_command(python, '[llm]'))
    end
  end
end

local function check_clients()
  health.start('Running servers')
  local clients = vim.lsp.get_clients({ name = 'scion' })
  if #clients == 0 then
    health.info('no Scion server is running (open a supported file)')
  end
  for _, client in ipairs(clients) do
    local status = require('scion.status').by_client[client.id]
    local state = status and (status.state .. (status.message ~= '' and (': ' .. status.message) or ''))
      or 'no status yet'
    health.info(('client %d, root %s, %s'):format(client.id, client.root_dir or '(none)', state))
  end
end

function M.check()
  check_neovim()
  local config = check_config()
  local python = check_server(config)
  check_database(config)
  check_llm(config, python)
  check_clients()
end

return M
