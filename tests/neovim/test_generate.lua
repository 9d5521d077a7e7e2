-- Generation end to end: the code action (or :Scion generate), scion/ask answered
-- through stubbed vim.ui, the edit in the buffer and the answer file on disk.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

--- Answers: pick the default (first) entry of every select, the default of every input except overrides.
--- With overrides, the review's "Answer each question in turn" first, so that every question is asked.
---@param overrides table<string, string> keyed by a word of the prompt
local function answering(overrides)
  local walked = next(overrides) == nil
  return H.stub_ui(function(items, opts, labels)
    if opts.kind == 'scion.review' and not walked then
      walked = true
      return items[#items]
    end
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

--- Generates the dataclass from the code action in a new file with the given answers.
local function generate_dataclass(relative, overrides)
  local bufnr = H.open(relative)
  local prompts = answering(overrides)
  H.apply_action('Generate: Python dataclass')
  H.wait('the answer file', function()
    return H.read(relative .. '.template-answers.yml') ~= nil
  end)
  return bufnr, prompts
end

H.test('the code action asks through vim.ui and writes the code and the answer file', function()
  local bufnr, prompts = generate_dataclass('src/shop/order_item.py', { ['Name of the class'] = 'LineItem' })
  H.contains(H.text(bufnr), 'class LineItem')
  local answers = H.read('src/shop/order_item.py.template-answers.yml')
  H.contains(answers, 'python/dataclass')
  H.contains(answers, 'class_name: LineItem')
  H.eq('scion.review', prompts[1].ui_kind)
  H.eq('input', prompts[2].kind)
  H.eq('OrderItem', prompts[2].default, 'pre-filled from the file name')
  H.ok(
    vim.iter(prompts):any(function(p)
      return p.kind == 'select' and p.labels[1] == 'No (default)'
    end),
    'a bool question with its default first: ' .. vim.inspect(prompts)
  )
end)

H.test('a default generation of the dataclass: one prompt (the review) instead of eight', function()
  local bufnr, prompts = generate_dataclass('src/shop/cart_line.py', {})
  H.contains(H.text(bufnr), 'class CartLine:')
  H.eq(1, #prompts, vim.inspect(prompts))
  H.eq('Generate with these answers (8)', prompts[1].labels[1])
  H.eq('class_name: CartLine', prompts[1].labels[2])
  H.eq('Answer each question in turn', prompts[1].labels[#prompts[1].labels])
  -- Answering each question in turn instead: the review, eight questions, the review again.
  local _, walked = generate_dataclass('src/shop/cart_total.py', { ['Name of the class'] = 'CartTotal' })
  H.eq(10, #walked, vim.inspect(walked))
end)

H.test('the review changes one answer and generates', function()
  local bufnr = H.open('src/shop/invoice.py')
  local reviews = 0
  local prompts = H.stub_ui(function(items, opts, labels)
    if opts.kind == 'scion.review' then
      reviews = reviews + 1
      if reviews == 1 then
        for i, label in ipairs(labels) do
          if label == 'frozen: No' then
            return items[i]
          end
        end
      end
      return items[1]
    end
    return items[#items] -- "Yes" is second when the default is No
  end, function(opts)
    return opts.default
  end)
  H.apply_action('Generate: Python dataclass')
  H.wait_text(bufnr, 'frozen=True')
  H.eq(3, #prompts, 'review, the one question, review')
  H.contains(table.concat(prompts[3].labels, '\n'), 'frozen: Yes')
end)

H.test(':Scion generate picks a template with vim.ui.select at the cursor (insert mode)', function()
  H.write('src/models.py', 'import os\n\n\n')
  local bufnr = H.open('src/models.py')
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  local prompts = answering({ ['Scion: generate'] = 'Generate: Python dataclass', ['Name of the class'] = 'Point' })
  vim.cmd('Scion generate')
  H.wait_text(bufnr, 'class Point')
  local text = H.text(bufnr)
  H.ok(vim.startswith(text, 'import os\n'), text)
  H.eq('Scion: generate', prompts[1].prompt)
  H.ok(vim.tbl_contains(prompts[1].labels, 'Generate: Python dataclass'), vim.inspect(prompts[1].labels))
  H.wait('the answer file with a region', function()
    return (H.read('src/models.py.template-answers.yml') or ''):find('region:') ~= nil
  end)
end)

H.test('cancelling the review writes nothing', function()
  local bufnr = H.open('src/shop/cart.py')
  local asked = false
  H.stub_ui(function()
    asked = true
    return nil
  end, function()
    return nil
  end)
  H.apply_action('Generate: Python dataclass')
  H.wait('the review', function()
    return asked
  end)
  vim.wait(500)
  H.eq({ '' }, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  H.eq(nil, H.read('src/shop/cart.py.template-answers.yml'))
end)

H.finish()
