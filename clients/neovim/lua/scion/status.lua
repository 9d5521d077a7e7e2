---@mod scion.status The server's `scion/status` notifications, kept per client.

local M = {}

---@class scion.Status
---@field state 'starting'|'ready'|'busy'
---@field message string
---@field upgradesAvailable integer
---@field hub? { state: 'connecting'|'connected'|'offline', message: string, backlog: integer, team?: string, teamSize?: integer } only when a team hub is configured

---@type table<integer, scion.Status>
M.by_client = {}

--- The `scion/status` notification handler: stores it and fires `User ScionStatus`.
---@param params scion.Status
---@param ctx lsp.HandlerContext
function M.handler(_, params, ctx)
  M.by_client[ctx.client_id] = params
  vim.api.nvim_exec_autocmds('User', {
    pattern = 'ScionStatus',
    modeline = false,
    data = { client_id = ctx.client_id, status = params },
  })
end

--- A short text for a statusline: `Scion: ready, 2 upgrades`; empty without a Scion client.
---@param bufnr? integer
---@return string
function M.statusline(bufnr)
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr or 0, name = 'scion' })) do
    local status = M.by_client[client.id]
    if status then
      local text = 'Scion: ' .. status.state
      local upgrades = tonumber(status.upgradesAvailable) or 0
      if upgrades > 0 then
        text = text .. (', %d upgrade%s'):format(upgrades, upgrades == 1 and '' or 's')
      end
      if type(status.hub) == 'table' and status.hub.state ~= 'connected' then
        text = text .. ', hub ' .. tostring(status.hub.state)
      end
      return text
    end
    return 'Scion: starting'
  end
  return ''
end

return M
