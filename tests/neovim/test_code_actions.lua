-- Code actions in an empty python file, as :lua vim.lsp.buf.code_action() lists them.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

H.test('generate actions are listed in an empty python file', function()
  local bufnr = H.open('src/shop/order_item.py')
  local actions = H.code_actions(bufnr, 0, 0)
  local by_title = {}
  for _, action in ipairs(actions) do
    by_title[action.title] = action
  end
  local dataclass = H.ok(by_title['Generate: Python dataclass'], vim.inspect(H.titles(actions)))
  local pytest = H.ok(by_title['Generate: pytest test module'], vim.inspect(H.titles(actions)))
  H.eq('refactor.rewrite', dataclass.kind)
  H.eq('source', pytest.kind)
  H.eq('scion.generate', dataclass.command.command)
  H.eq('python/dataclass', dataclass.command.arguments[1].templateId)
  H.ok(not vim.iter(H.titles(actions)):any(function(title)
    return title:find('React') or title:find('Go ')
  end), 'no actions of other languages')
end)

H.test('actions follow the language: a tsx file offers a React component', function()
  local bufnr = H.open('web/src/user-card.tsx')
  H.ok(vim.tbl_contains(H.titles(H.code_actions(bufnr)), 'Generate: React component'))
end)

H.finish()
