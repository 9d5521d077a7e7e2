-- :Scion and the <Plug>(scion-*) mappings. No setup() and no default keymaps; modules load on first use.

if vim.g.loaded_scion then
  return
end
vim.g.loaded_scion = true

---@class scion.Subcommand
---@field run fun(args: string[])
---@field complete? string[] words accepted after the subcommand

--- A subcommand that takes one optional word, e.g. `:Scion upgrade all`: the command gets true when it is given.
---@param name string the function of scion.commands
---@param word string
---@return scion.Subcommand
local function with_switch(name, word)
  return {
    run = function(args)
      require('scion.commands')[name](args[1] == word)
    end,
    complete = { word },
  }
end

---@type table<string, scion.Subcommand>
local subcommands = {
  generate = {
    run = function()
      require('scion.commands').generate()
    end,
  },
  copier = {
    run = function()
      require('scion.commands').copier()
    end,
  },
  upgrade = with_switch('upgrade', 'all'),
  stats = with_switch('stats', 'open'),
  evolve = with_switch('evolve', 'dry-run'),
  restart = {
    run = function()
      require('scion.commands').restart()
    end,
  },
  log = {
    run = function(args)
      require('scion.commands').log(args[1] == 'lsp' and 'lsp' or 'server')
    end,
    complete = { 'lsp' },
  },
}

---@param opts vim.api.keyset.create_user_command.command_args
local function scion(opts)
  local name = opts.fargs[1]
  local subcommand = name and subcommands[name]
  if not subcommand then
    local known = table.concat(vim.tbl_keys(subcommands), ', ')
    vim.notify(('Scion: unknown subcommand %q (one of: %s)'):format(name or '', known), vim.log.levels.ERROR)
    return
  end
  subcommand.run(vim.list_slice(opts.fargs, 2))
end

vim.api.nvim_create_user_command('Scion', scion, {
  nargs = '+',
  desc = 'Scion templates: generate, copier, upgrade [all], stats [open], evolve [dry-run], restart, log [lsp]',
  complete = function(arg_lead, cmdline)
    local words = vim.split(cmdline:gsub('^%s*%S+%s*', ''), '%s+', { trimempty = false })
    local candidates
    if #words <= 1 then
      candidates = vim.tbl_keys(subcommands)
      table.sort(candidates)
    else
      local subcommand = subcommands[words[1]]
      candidates = (#words == 2 and subcommand and subcommand.complete) or {}
    end
    return vim.tbl_filter(function(word)
      return vim.startswith(word, arg_lead)
    end, candidates)
  end,
})

local plugs = {
  ['<Plug>(scion-generate)'] = 'generate',
  ['<Plug>(scion-upgrade)'] = 'upgrade',
  ['<Plug>(scion-upgrade-all)'] = 'upgrade all',
  ['<Plug>(scion-stats)'] = 'stats',
  ['<Plug>(scion-evolve)'] = 'evolve',
  ['<Plug>(scion-restart)'] = 'restart',
}
for lhs, subcommand in pairs(plugs) do
  vim.keymap.set('n', lhs, function()
    scion({ fargs = vim.split(subcommand, ' ') })
  end, { desc = 'Scion ' .. subcommand })
end
