-- The Scion language server for vim.lsp.config: `vim.lsp.enable('scion')` is all a user needs.
-- Read when the config is first resolved, so `vim.g.scion` may be set any time before that.

local config, err = require('scion.config').get()
if err then
  vim.schedule(function()
    vim.notify('Scion: ' .. err .. '; using the defaults.', vim.log.levels.ERROR)
  end)
end
local cfg = require('scion.config')

---@type vim.lsp.Config
return {
  cmd = cfg.cmd(config),
  filetypes = config.filetypes,
  root_markers = { '.scion', '.git' },
  -- The root from root_markers (yours too, if you override them), but YAML only for the
  -- files Scion reads: a YAML buffer the server has no use for gets no client.
  root_dir = function(bufnr, on_dir)
    if vim.bo[bufnr].filetype == 'yaml' and not cfg.is_scion_yaml(vim.api.nvim_buf_get_name(bufnr)) then
      return
    end
    on_dir(vim.fs.root(bufnr, vim.lsp.config.scion.root_markers or { '.scion', '.git' }))
  end,
  capabilities = cfg.capabilities(config),
  init_options = {
    ask = true,
    scion = cfg.server_settings(config),
  },
  handlers = {
    ['scion/ask'] = function(...)
      return require('scion.ask').handler(...)
    end,
    ['scion/status'] = function(...)
      return require('scion.status').handler(...)
    end,
    -- Commands run from code actions: the server shows a failure itself (window/showMessage),
    -- so the error response is logged, not shown a second time.
    ['workspace/executeCommand'] = function(err, _, ctx)
      if err then
        vim.lsp.log.warn(('scion: %s failed: %s'):format(ctx.params and ctx.params.command or '?', err.message))
      end
    end,
  },
}
