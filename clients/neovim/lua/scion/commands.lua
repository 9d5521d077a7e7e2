---@mod scion.commands What `:Scion` and the <Plug> mappings do.

local M = {}

local NAME = 'scion'

---@param message string
---@param level? integer
local function notify(message, level)
  vim.notify('Scion: ' .. message, level or vim.log.levels.INFO)
end

--- The Scion client attached to a buffer, or any Scion client.
---@param bufnr? integer
---@param any_buffer? boolean
---@return vim.lsp.Client?
function M.client(bufnr, any_buffer)
  local clients = vim.lsp.get_clients({ bufnr = bufnr or vim.api.nvim_get_current_buf(), name = NAME })
  if #clients == 0 and any_buffer then
    clients = vim.lsp.get_clients({ name = NAME })
  end
  if #clients == 0 then
    notify(
      'no Scion server is running here (run `:lua vim.lsp.enable("scion")` and open a supported file).',
      vim.log.levels.WARN
    )
    return nil
  end
  return clients[1]
end

---@param client vim.lsp.Client
---@param command string
---@return boolean
local function supports(client, command)
  local provider = client.server_capabilities and client.server_capabilities.executeCommandProvider
  if type(provider) ~= 'table' or not vim.tbl_contains(provider.commands or {}, command) then
    notify(('this server does not offer %s yet; update Scion.'):format(command), vim.log.levels.WARN)
    return false
  end
  return true
end

--- Sends `workspace/executeCommand` with one object argument.
---@param client vim.lsp.Client
---@param command string
---@param argument table
---@param on_result fun(result: any)
---@param bufnr? integer
function M.execute(client, command, argument, on_result, bufnr)
  if not supports(client, command) then
    return
  end
  client:request('workspace/executeCommand', { command = command, arguments = { argument } }, function(err, result)
    if err then
      -- The server has shown this failure already (window/showMessage): each failure is shown once.
      vim.lsp.log.warn(('scion: %s failed: %s'):format(command, err.message or vim.inspect(err)))
      return
    end
    on_result(result)
  end, bufnr)
end

---@param client vim.lsp.Client
---@param bufnr integer
---@return table argument `{uri, position}` at the cursor
local function here(client, bufnr)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  return { uri = vim.uri_from_bufnr(bufnr), position = params.position }
end

---@param template table a `scion.listTemplates` entry
---@return string
local function template_label(template)
  local label = template.label or ('Generate: ' .. template.title)
  local rate = template.successRate
  if type(rate) == 'number' and (template.decided or 0) > 0 then
    label = ('%s  (%d%% kept of %d)'):format(label, math.floor(rate * 100 + 0.5), template.decided)
  end
  return label
end

--- Generates from a template valid at the cursor, chosen with vim.ui.select.
function M.generate()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    return
  end
  local where = here(client, bufnr)
  M.execute(client, 'scion.listTemplates', where, function(templates)
    if type(templates) ~= 'table' or #templates == 0 then
      notify('no template fits here.')
      return
    end
    vim.ui.select(
      templates,
      { prompt = 'Scion: generate', kind = 'scion.template', format_item = template_label },
      function(template)
        if not template then
          return
        end
        local argument = vim.tbl_extend('force', where, { templateId = template.id, version = template.version })
        M.execute(client, 'scion.generate', argument, function(result)
          M.on_generated(result, where.uri, template)
        end, bufnr)
      end
    )
  end, bufnr)
end

---@param result table|vim.NIL|nil
---@param uri string the buffer generation started from
---@param template table
function M.on_generated(result, uri, template)
  if type(result) ~= 'table' then
    return -- cancelled
  end
  local files = result.files or {}
  notify(('generated %s (%d file%s).'):format(template.title or template.id, #files, #files == 1 and '' or 's'))
  local first = files[1]
  if first and first ~= uri then
    vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(first)))
  end
end

--- A new project from a copier template of the template roots (`scion.generateCopier`). The server asks
--- which template, the project folder and the template's questions through `scion/ask`; the text files
--- it creates arrive as an edit, which leaves them in modified buffers: a project is files on disk, so
--- they are written.
function M.copier()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr, true)
  if not client then
    return
  end
  local argument = {}
  if vim.api.nvim_buf_get_name(bufnr) ~= '' then
    argument.uri = vim.uri_from_bufnr(bufnr)
  end
  M.execute(client, 'scion.generateCopier', argument, function(result)
    if type(result) ~= 'table' then
      return -- cancelled
    end
    local files = result.files or {}
    for _, uri in ipairs(files) do
      local created = vim.fn.bufnr(vim.uri_to_fname(uri))
      if created ~= -1 and vim.api.nvim_buf_is_loaded(created) and vim.bo[created].modified then
        -- The text went into an empty buffer, whose one empty line stays last: as lines plus 'eol' the file
        -- is the text exactly (a text without a final newline is written without one).
        local last = vim.api.nvim_buf_line_count(created)
        local ends_with_newline = last > 1 and vim.api.nvim_buf_get_lines(created, last - 1, last, false)[1] == ''
        if ends_with_newline then
          vim.api.nvim_buf_set_lines(created, last - 1, last, false, {})
        end
        vim.bo[created].eol = ends_with_newline
        vim.bo[created].fixeol = ends_with_newline
        -- `write!`: the server may have written the same text already (before the template's tasks ran).
        vim.api.nvim_buf_call(created, function()
          vim.cmd('silent write!')
        end)
      end
    end
    notify(
      ('new project from %s in %s (%d file%s).'):format(
        result.templateId,
        vim.uri_to_fname(result.destination),
        #files,
        #files == 1 and '' or 's'
      )
    )
  end, bufnr)
end

---@param summary table
---@return string
local function counts(summary)
  local parts = {}
  for _, key in ipairs({ 'upgraded', 'unchanged', 'conflicted', 'skipped', 'failed' }) do
    local value = summary[key]
    if type(value) == 'table' then
      value = #value
    end
    if value ~= nil then
      parts[#parts + 1] = ('%s %s'):format(value, key)
    end
  end
  return table.concat(parts, ', ')
end

--- Upgrades the current file (`scion.upgrade`), or every file (`scion.upgradeAll`).
---@param all? boolean
function M.upgrade(all)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr, all)
  if not client then
    return
  end
  if all then
    M.execute(client, 'scion.upgradeAll', vim.empty_dict(), function(summary)
      if type(summary) == 'table' then
        notify('upgrade all: ' .. counts(summary) .. '.')
      end
    end)
    return
  end
  M.execute(client, 'scion.upgrade', { uri = vim.uri_from_bufnr(bufnr) }, function(result)
    if type(result) == 'table' and next(result) ~= nil then
      local conflicts = tonumber(result.conflicts or result.conflicted) or 0
      if conflicts > 0 then
        notify(
          ('upgraded with %d conflict%s to resolve.'):format(conflicts, conflicts == 1 and '' or 's'),
          vim.log.levels.WARN
        )
      else
        notify('upgraded.')
      end
    end
  end, bufnr)
end

--- Renders a JSON value as indented lines.
---@param value any
---@param indent string
---@param lines string[]
local function outline(value, indent, lines)
  if type(value) ~= 'table' then
    lines[#lines + 1] = indent .. tostring(value == vim.NIL and 'null' or value)
    return
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    if type(a) == type(b) then
      return a < b
    end
    return type(a) == 'number'
  end)
  for _, key in ipairs(keys) do
    local item = value[key]
    local name = type(key) == 'number' and '-' or (tostring(key) .. ':')
    if type(item) == 'table' and next(item) ~= nil then
      lines[#lines + 1] = indent .. name
      outline(item, indent .. '  ', lines)
    else
      local text = type(item) == 'table' and '[]' or tostring(item == vim.NIL and 'null' or item)
      lines[#lines + 1] = ('%s%s %s'):format(indent, name, text)
    end
  end
end

--- The last HTML report written by `:Scion stats`.
---@type string?
M.stats_report = nil

--- Shows the statistics in a scratch buffer; `open` also opens the HTML report with vim.ui.open.
---@param open? boolean
function M.stats(open)
  local client = M.client(nil, true)
  if not client then
    return
  end
  M.execute(client, 'scion.stats', vim.empty_dict(), function(stats)
    if type(stats) ~= 'table' then
      return
    end
    local report = vim.fs.joinpath(vim.fn.fnamemodify(vim.fn.tempname(), ':h'), 'scion-stats.html')
    vim.fn.writefile(vim.split(stats.html or '', '\n', { plain = true }), report)
    M.stats_report = report
    local lines = { 'Scion statistics', '', 'HTML report: ' .. report, '' }
    outline(stats.json or {}, '', lines)
    vim.cmd('botright new')
    local buf = vim.api.nvim_get_current_buf()
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'wipe'
    vim.bo[buf].swapfile = false
    vim.api.nvim_buf_set_name(buf, ('scion://stats/%d'):format(buf))
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.bo[buf].modifiable = false
    vim.bo[buf].filetype = 'yaml'
    if open then
      local _, err = vim.ui.open(report)
      if err then
        notify(err, vim.log.levels.WARN)
      end
    end
  end)
end

--- Runs the evolution engine once (`scion.evolve`).
---@param dry_run? boolean
function M.evolve(dry_run)
  local client = M.client(nil, true)
  if not client then
    return
  end
  notify(dry_run and 'evolving (dry run)...' or 'evolving...')
  M.execute(client, 'scion.evolve', { dryRun = dry_run == true }, function(summary)
    notify('evolution done: ' .. vim.inspect(summary, { newline = ' ', indent = '' }))
  end)
end

--- Stops every Scion client, waits for it to exit, and starts it again for its buffers.
--- The config is resolved again, so a changed `vim.g.scion` applies.
function M.restart()
  local clients = vim.lsp.get_clients({ name = NAME })
  local buffers = {} ---@type integer[]
  for _, client in ipairs(clients) do
    for bufnr in pairs(client.attached_buffers) do
      buffers[#buffers + 1] = bufnr
    end
  end
  if #buffers == 0 then
    buffers = { vim.api.nvim_get_current_buf() }
  end
  local function gone()
    return vim.iter(clients):all(function(client)
      return vim.lsp.get_client_by_id(client.id) == nil
    end)
  end
  vim.lsp.enable(NAME, false)
  -- A stopped client stays listed until its exit is processed, and would be reused.
  if not vim.wait(5000, gone, 20) then
    for _, client in ipairs(clients) do
      client:stop(true)
    end
    vim.wait(2000, gone, 20)
  end
  vim.lsp.enable(NAME)
  if vim.v.vim_did_enter ~= 1 then
    -- enable() re-triggers FileType only after startup; do it ourselves before.
    for _, bufnr in ipairs(buffers) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        vim.api.nvim_exec_autocmds('FileType', { group = 'nvim.lsp.enable', buffer = bufnr })
      end
    end
  end
  notify('restarted.')
end

--- Opens the server's log file (`lsp`: Neovim's own LSP log).
---@param which? 'server'|'lsp'
function M.log(which)
  local path
  if which == 'lsp' then
    path = vim.lsp.get_log_path()
  else
    local config = require('scion.config').get()
    path = require('scion.config').log_file(config)
    if vim.fn.filereadable(path) == 0 then
      notify(('no server log at %s yet; showing the LSP log.'):format(path), vim.log.levels.WARN)
      path = vim.lsp.get_log_path()
    end
  end
  vim.cmd.split(vim.fn.fnameescape(path))
  vim.cmd('normal! G')
end

return M
