-- scion/ask answered through vim.ui: every question kind, re-asking, cancel. No server needed.
local H = dofile(vim.env.SCION_TEST_HELPERS)
vim.opt.runtimepath:prepend(H.plugin)
local ask = require('scion.ask')

--- Runs the scion/ask handler in a coroutine, as Neovim runs server requests, and waits for it.
local function run_handler(params)
  local result, finished = nil, false
  coroutine.wrap(function()
    result = ask.handler(nil, params, { method = 'scion/ask', client_id = 1 })
    finished = true
  end)()
  H.wait('the answers', function()
    return finished
  end, 5000)
  return result
end

--- Scripted UI: answers are consumed in order; each is a label to select or a text to type.
local function script(answers)
  local next_answer = 1
  local function take()
    local answer = answers[next_answer]
    next_answer = next_answer + 1
    return answer
  end
  return H.stub_ui(function(items, _, labels)
    local wanted = take()
    for i, label in ipairs(labels) do
      if label == wanted then
        return items[i]
      end
    end
    return nil
  end, function()
    return take()
  end)
end

local function question(fields)
  return vim.tbl_extend('keep', fields, {
    type = 'str',
    help = fields.name,
    choices = vim.NIL,
    default = vim.NIL,
    secret = false,
    multiselect = false,
    placeholder = vim.NIL,
  })
end

local EACH = 'Answer each question in turn'

H.test('text, choices and bool questions', function()
  local prompts = script({ EACH, 'Basket', 'Green', 'Yes (default)', 'Generate with these answers (3)' })
  local answers = run_handler({
    title = 'Generate: Thing',
    templateId = 'acme/thing',
    questions = {
      question({ name = 'name', help = 'The name', default = 'Cart' }),
      question({
        name = 'color',
        choices = { { label = 'Red', value = 'r' }, { label = 'Green', value = 'g' } },
        default = 'r',
      }),
      question({ name = 'flag', type = 'bool', default = true }),
    },
  })
  H.eq({ name = 'Basket', color = 'g', flag = true }, answers)
  H.eq({ 'Generate with these answers (3)', 'name: Cart', 'color: Red', 'flag: Yes', EACH }, prompts[1].labels)
  H.eq('Generate: Thing - The name: ', prompts[2].prompt)
  H.eq('Cart', prompts[2].default)
  H.eq({ 'Red (default)', 'Green' }, prompts[3].labels)
  H.eq({ 'Yes (default)', 'No' }, prompts[4].labels)
  H.eq({ 'Generate with these answers (3)', 'name: Basket', 'color: Green', 'flag: Yes', EACH }, prompts[5].labels)
end)

H.test('the default choice is offered first', function()
  local prompts = script({ 'b (default)' })
  run_handler({
    title = 't',
    questions = {
      question({ name = 'x', choices = { { label = 'a', value = 1 }, { label = 'b', value = 2 } }, default = 2 }),
    },
  })
  H.eq({ 'b (default)', 'a' }, prompts[1].labels)
end)

H.test('a whole number is asked again until it parses', function()
  local notify, warned = vim.notify, {}
  vim.notify = function(message)
    warned[#warned + 1] = message
  end
  local prompts = script({ 'twelve', '1.5', ' 12 ' })
  local answers = run_handler({ title = 't', questions = { question({ name = 'count', type = 'int', default = 3 }) } })
  vim.notify = notify
  H.eq({ count = 12 }, answers)
  H.eq(3, #prompts)
  H.eq('3', prompts[1].default)
  H.eq('twelve', prompts[2].default, 'the wrong text is offered for correction')
  H.contains(warned[1], 'count: "twelve" is not a whole number')
end)

H.test('float and json answers are converted', function()
  script({ EACH, '0.25', '{"a": [1, 2]}', 'Generate with these answers (2)' })
  local answers = run_handler({
    title = 't',
    questions = {
      question({ name = 'ratio', type = 'float' }),
      question({ name = 'data', type = 'json' }),
    },
  })
  H.eq({ ratio = 0.25, data = { a = { 1, 2 } } }, answers)
end)

H.test('multiselect toggles entries until Done', function()
  local prompts = script({ '[ ] b', '[x] a', '[ ] c', 'Done (2 selected)' })
  local answers = run_handler({
    title = 't',
    questions = {
      question({
        name = 'tags',
        multiselect = true,
        default = { 'a' },
        choices = { { label = 'a', value = 'a' }, { label = 'b', value = 'b' }, { label = 'c', value = 'c' } },
      }),
    },
  })
  H.eq({ tags = { 'b', 'c' } }, answers)
  H.eq({ 'Done (1 selected)', '[x] a', '[ ] b', '[ ] c' }, prompts[1].labels)
end)

H.test('cancelling the review cancels all: vim.NIL; a cancelled question returns to the review', function()
  local prompts = script({ EACH, 'first', nil, nil })
  local answers =
    run_handler({ title = 't', questions = {
      question({ name = 'one' }),
      question({ name = 'two' }),
    } })
  H.eq(vim.NIL, answers)
  H.eq(4, #prompts)
  H.eq({ 'Generate with these answers (2)', 'one: first', 'two: ', EACH }, prompts[4].labels, 'the first answer kept')
end)

H.test('Enter on the review accepts every proposal at once', function()
  local prompts = script({ 'Generate with these answers (3)' })
  local answers = run_handler({
    title = 't',
    questions = {
      question({ name = 'name', default = 'Cart' }),
      question({ name = 'size', type = 'int', default = 3 }),
      question({ name = 'tags', multiselect = true, default = { 'a' }, choices = { { label = 'A', value = 'a' } } }),
    },
  })
  H.eq({ name = 'Cart', size = 3, tags = { 'a' } }, answers)
  H.eq(1, #prompts)
  H.eq({ 'Generate with these answers (3)', 'name: Cart', 'size: 3', 'tags: A', EACH }, prompts[1].labels)
end)

H.test('a question without a proposal is asked when Generate is chosen', function()
  local prompts = script({ 'Generate with these answers (2)', 'typed', 'Generate with these answers (2)' })
  local answers =
    run_handler({ title = 't', questions = { question({ name = 'a' }), question({ name = 'b', default = 'x' }) } })
  H.eq({ a = 'typed', b = 'x' }, answers)
  H.eq(
    { 'select', 'input', 'select' },
    vim.tbl_map(function(p)
      return p.kind
    end, prompts)
  )
end)

H.test('a select that answers at once (the builtin inputlist) works too', function()
  vim.ui.select = function(items, _, on_choice)
    on_choice(items[2], 2)
  end
  local answers = run_handler({ title = 't', questions = { question({ name = 'ok', type = 'bool', default = true }) } })
  H.eq({ ok = false }, answers)
end)

H.test('no questions gives an empty object, not an array', function()
  H.eq('{}', vim.json.encode(run_handler({ title = 't', questions = {} })))
end)

H.finish()
