-- Generation end to end: the code action (or :Scion generate), scion/ask answered
-- through stubbed vim.ui, the edit in the buffer and the answer file on disk.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

--- Answers: pick the default (first) entry of every select, the default of every input except overrides.
---@param overrides table<string, string> keyed by a word of the prompt
local function answering(overrides)
  return H.stub_ui(function(items, opts, labels)
    for word, label in pairs(overrides) do
      if (opts.prompt or ''):find(word, 1, true) then
        for i, text in ipairs(labels) do
          if text == label then
            return items[i]
          end
        end
      end
    end
    return items[1]
  end, function(opts)
    for word, text in pairs(overrides) do
      if opts.prompt:find(word, 1, true) then
        return text
      end
    end
    return opts.default
  end)
end

H.test('the code action asks through vim.ui and writes the code and the answer file', function()
  local bufnr = H.open('src/shop/order_item.py')
  local prompts = answering({ ['Name of the class'] = 'LineItem' })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.title == 'Generate: Python dataclass'
    end,
  })
  H.wait('the generated class in the buffer', function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'):find('class LineItem') ~= nil
  end)
  H.wait('the answer file', function()
    return H.read('src/shop/order_item.py.template-answers.yml') ~= nil
  end)
  local answers = H.read('src/shop/order_item.py.template-answers.yml')
  H.contains(answers, 'python/dataclass')
  H.contains(answers, 'class_name: LineItem')
  H.eq('input', prompts[1].kind)
  H.eq('OrderItem', prompts[1].default, 'pre-filled from the file name')
  H.ok(
    vim.iter(prompts):any(function(p)
      return p.kind == 'select' and p.labels[1] == 'No (default)'
    end),
    'a bool question with its default first: ' .. vim.inspect(prompts)
  )
end)

H.test(':Scion generate picks a template with vim.ui.select at the cursor (insert mode)', function()
  H.write('src/models.py', 'import os\n\n\n')
  local bufnr = H.open('src/models.py')
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  local prompts = answering({ ['Scion: generate'] = 'Generate: Python dataclass', ['Name of the class'] = 'Point' })
  vim.cmd('Scion generate')
  H.wait('the inserted class', function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'):find('class Point') ~= nil
  end)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  H.ok(vim.startswith(text, 'import os\n'), text)
  H.eq('Scion: generate', prompts[1].prompt)
  H.ok(vim.tbl_contains(prompts[1].labels, 'Generate: Python dataclass'), vim.inspect(prompts[1].labels))
  H.wait('the answer file with a region', function()
    return (H.read('src/models.py.template-answers.yml') or ''):find('region:') ~= nil
  end)
end)

H.test('cancelling a question writes nothing', function()
  local bufnr = H.open('src/shop/cart.py')
  local asked = false
  H.stub_ui(function(items)
    return items[1]
  end, function()
    asked = true
    return nil
  end)
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.title == 'Generate: Python dataclass'
    end,
  })
  H.wait('the question', function()
    return asked
  end)
  vim.wait(500)
  H.eq({ '' }, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  H.eq(nil, H.read('src/shop/cart.py.template-answers.yml'))
end)

H.finish()
