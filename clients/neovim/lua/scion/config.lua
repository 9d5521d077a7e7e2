---@mod scion.config Configuration from `vim.g.scion`, merged over defaults.
---
--- No setup() is needed: set `vim.g.scion` any time before the server starts.
---
--- ```lua
--- vim.g.scion = {
---   python = '~/.venvs/scion/bin/python',
---   settings = { llm = { model = 'ollama/qwen2.5-coder' } },
--- }
--- ```

local M = {}

---@class scion.Config
---@field cmd? string[] Command that starts the server; overrides `python`.
---@field python? string Python interpreter that has Scion installed (default: `python3`).
---@field filetypes string[] Filetypes the server attaches to.
---@field settings table Server settings, nested like `{ llm = { model = '...' } }` (docs: LSP contract).
---@field log_file? string Server log file, passed as `serve --log-file`; default: Scion's user log folder.
---@field watch_files boolean Let the server watch templates, answer files and `.scion/config.toml` (default: true).

---@class scion.UserConfig
---@field cmd? string[]
---@field python? string
---@field filetypes? string[]
---@field settings? table
---@field log_file? string
---@field watch_files? boolean

--- The languages and YAML files Scion attaches to: the one list the VS Code extension bundles too.
---@return { languages: string[], yaml: string[] }
local function shared_languages()
  local here = debug.getinfo(1, 'S').source:sub(2)
  local file = vim.fs.joinpath(vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(here))), 'languages.json')
  local handle = assert(io.open(file, 'r'), 'Scion: ' .. file .. ' is missing from the plugin')
  local data = vim.json.decode(handle:read('*a'))
  handle:close()
  return data
end

local shared = shared_languages()

--- YAML files the server reads (template and copier manifests, answer files), by name; other YAML is left alone.
M.yaml_files = shared.yaml

---@type scion.Config
M.defaults = {
  cmd = nil,
  python = nil,
  filetypes = vim.list_extend(vim.deepcopy(shared.languages), { 'yaml' }),
  settings = {},
  log_file = nil,
  watch_files = true,
}

---@param value any
---@return boolean ok, string? message
local function is_string_list(value)
  if type(value) ~= 'table' or not vim.islist(value) or #value == 0 then
    return false, 'a non-empty list of strings'
  end
  for _, item in ipairs(value) do
    if type(item) ~= 'string' or item == '' then
      return false, 'a non-empty list of strings'
    end
  end
  return true
end

--- Validates a user configuration; raises an error naming the bad key.
---@param user table
local function validate(user)
  vim.validate('vim.g.scion', user, 'table')
  vim.validate('vim.g.scion.cmd', user.cmd, is_string_list, true, 'a non-empty list of strings')
  vim.validate('vim.g.scion.python', user.python, 'string', true)
  vim.validate('vim.g.scion.filetypes', user.filetypes, is_string_list, true, 'a non-empty list of strings')
  vim.validate('vim.g.scion.settings', user.settings, 'table', true)
  vim.validate('vim.g.scion.log_file', user.log_file, 'string', true)
  vim.validate('vim.g.scion.watch_files', user.watch_files, 'boolean', true)
  local known = { cmd = true, python = true, filetypes = true, settings = true, log_file = true, watch_files = true }
  for key in pairs(user) do
    if not known[key] then
      error(
        ('vim.g.scion.%s: unknown option (known: cmd, python, filetypes, settings, log_file, watch_files)'):format(key),
        0
      )
    end
  end
end

--- The merged configuration, or the defaults and an error message when `vim.g.scion` is invalid.
---@return scion.Config config
---@return string? error
function M.get()
  local user = vim.g.scion
  if user == nil then
    return vim.deepcopy(M.defaults), nil
  end
  local ok, err = pcall(validate, user)
  if not ok then
    return vim.deepcopy(M.defaults), tostring(err)
  end
  return vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), user), nil
end

--- The Python interpreter: `python`, else the contract's client-only `settings.server.pythonPath`, else `python3`.
---@param config scion.Config
---@return string
function M.python(config)
  local from_settings = vim.tbl_get(config.settings, 'server', 'pythonPath')
  local python = config.python
    or (type(from_settings) == 'string' and from_settings ~= '' and from_settings)
    or 'python3'
  return vim.fs.normalize(python)
end

--- The command that starts the server. `-P` keeps the working directory (the
--- workspace) off `sys.path`, so a project's own `server.py` or `server/` is never run.
---@param config scion.Config
---@return string[]
function M.cmd(config)
  if config.cmd then
    return vim.deepcopy(config.cmd)
  end
  local cmd = { M.python(config), '-P', '-m', 'server' }
  if config.log_file then
    vim.list_extend(cmd, { 'serve', '--log-file', vim.fs.normalize(config.log_file) })
  end
  return cmd
end

--- Settings as the server reads them: the client-only `server` key is removed.
---@param config scion.Config
---@return table
function M.server_settings(config)
  local settings = vim.deepcopy(config.settings)
  settings.server = nil
  if next(settings) == nil then
    return vim.empty_dict() -- an object on the wire, not []
  end
  return settings
end

--- Whether a YAML file is one Scion reads (`template.yml`, `copier.yml`, answer files), by its name.
---@param path string
---@return boolean
function M.is_scion_yaml(path)
  local name = vim.fs.basename(path)
  for _, pattern in ipairs(M.yaml_files) do
    if vim.glob.to_lpeg(pattern):match(name) then
      return true
    end
  end
  return false
end

--- Client capabilities beyond Neovim's defaults. Neovim watches files for servers only on macOS
--- and Windows by default; Scion's watch list is small (templates, answer files, its settings file),
--- so it asks for it everywhere unless `watch_files = false`.
---@param config scion.Config
---@return lsp.ClientCapabilities?
function M.capabilities(config)
  if not config.watch_files then
    return nil
  end
  return { workspace = { didChangeWatchedFiles = { dynamicRegistration = true, relativePatternSupport = true } } }
end

--- Where the server writes its log: `log_file`, a `--log-file` in `cmd`, else platformdirs' user log folder.
---@param config scion.Config
---@return string
function M.log_file(config)
  if config.log_file then
    return vim.fs.normalize(config.log_file)
  end
  for i, arg in ipairs(config.cmd or {}) do
    if arg == '--log-file' and config.cmd[i + 1] then
      return vim.fs.normalize(config.cmd[i + 1])
    end
  end
  local sysname = vim.uv.os_uname().sysname
  if sysname == 'Darwin' then
    return vim.fs.normalize('~/Library/Logs/scion/scion.log')
  elseif sysname:match('Windows') then
    return vim.fs.joinpath(vim.env.LOCALAPPDATA or '', 'scion', 'scion', 'Logs', 'scion.log')
  end
  local state = vim.env.XDG_STATE_HOME
  if not state or state == '' then
    state = vim.fs.normalize('~/.local/state')
  end
  return vim.fs.joinpath(state, 'scion', 'log', 'scion.log')
end

return M
