---@mod scion.ask Answers the server's `scion/ask` request with vim.ui.select / vim.ui.input.
---
--- Any vim.ui provider (dressing, snacks, telescope-ui-select, fzf-lua) works: the
--- request handler runs in a coroutine and waits for each callback.
---
--- Every question comes pre-filled with the server's proposal. With more than one
--- question, the first prompt is the review: "Generate with these answers" (first,
--- so Enter accepts every proposal at once; a question without one is asked then),
--- each answer (pick one to change it), and "Answer each question in turn". The
--- review comes back until Generate.

local M = {}

---@class scion.AskChoice
---@field label string
---@field value any

---@class scion.AskQuestion
---@field name string
---@field type 'str'|'int'|'float'|'bool'|'yaml'|'json'
---@field help? string
---@field choices? scion.AskChoice[]|vim.NIL
---@field default? any
---@field secret? boolean
---@field multiselect? boolean
---@field placeholder? string|vim.NIL

---@class scion.AskParams
---@field title string
---@field templateId string
---@field questions scion.AskQuestion[]

--- Marks a cancelled question (distinct from every answer, including nil and false).
local CANCELLED = {}

---@param value any
---@return any? nil for JSON null
local function present(value)
  if value == vim.NIL then
    return nil
  end
  return value
end

--- Calls `start(callback)` and waits for the callback inside the running coroutine.
--- Works whether the callback comes later (most UI plugins) or at once (the builtin select).
---@param start fun(callback: fun(...))
---@return any ...
local function await(start)
  local co = coroutine.running()
  local waiting, done, values = true, false, nil
  start(function(...)
    if waiting then
      done, values = true, { n = select('#', ...), ... }
      return
    end
    local ok, err = coroutine.resume(co, ...)
    if not ok then
      vim.notify('Scion: answering the questions failed: ' .. tostring(err), vim.log.levels.ERROR)
    end
  end)
  waiting = false
  if done then
    return unpack(values, 1, values.n)
  end
  return coroutine.yield()
end

---@param title string
---@param question scion.AskQuestion
---@return string
local function prompt_for(title, question)
  local help = present(question.help) or question.name
  return ('%s - %s'):format(title, help)
end

---@param items any[]
---@param default any
---@param value_of fun(item: any): any
---@return any[] items with the default first, so that confirming at once takes it
local function default_first(items, default, value_of)
  if default == nil then
    return items
  end
  local ordered = {}
  for _, item in ipairs(items) do
    if vim.deep_equal(value_of(item), default) then
      table.insert(ordered, 1, item)
    else
      ordered[#ordered + 1] = item
    end
  end
  return ordered
end

---@param title string
---@param question scion.AskQuestion
local function select_one(title, question)
  local default = present(question.default)
  local items = default_first(question.choices, default, function(choice)
    return choice.value
  end)
  local choice = await(function(callback)
    vim.ui.select(items, {
      prompt = prompt_for(title, question),
      kind = 'scion.choice',
      format_item = function(item)
        return vim.deep_equal(item.value, default) and (item.label .. ' (default)') or item.label
      end,
    }, callback)
  end)
  if choice == nil then
    return CANCELLED
  end
  return choice.value
end

--- One select per toggle: the first entry ("Done") confirms the current selection.
---@param title string
---@param question scion.AskQuestion
local function select_many(title, question)
  local default = present(question.default)
  local chosen = {} ---@type table<integer, boolean>
  for index, choice in ipairs(question.choices) do
    if type(default) == 'table' then
      for _, value in ipairs(default) do
        if vim.deep_equal(choice.value, value) then
          chosen[index] = true
        end
      end
    end
  end
  while true do
    local items = { { done = true } }
    for index, choice in ipairs(question.choices) do
      items[#items + 1] = { index = index, choice = choice }
    end
    local item = await(function(callback)
      vim.ui.select(items, {
        prompt = prompt_for(title, question),
        kind = 'scion.multiselect',
        format_item = function(entry)
          if entry.done then
            return ('Done (%d selected)'):format(vim.tbl_count(chosen))
          end
          return (chosen[entry.index] and '[x] ' or '[ ] ') .. entry.choice.label
        end,
      }, callback)
    end)
    if item == nil then
      return CANCELLED
    end
    if item.done then
      local values = {}
      for index, choice in ipairs(question.choices) do
        if chosen[index] then
          values[#values + 1] = choice.value
        end
      end
      return values
    end
    chosen[item.index] = not chosen[item.index] or nil
  end
end

---@param title string
---@param question scion.AskQuestion
local function select_bool(title, question)
  local default = present(question.default)
  local items = default == false and { false, true } or { true, false }
  local answer = await(function(callback)
    vim.ui.select(items, {
      prompt = prompt_for(title, question),
      kind = 'scion.bool',
      format_item = function(item)
        local label = item and 'Yes' or 'No'
        return item == default and (label .. ' (default)') or label
      end,
    }, callback)
  end)
  if answer == nil then
    return CANCELLED
  end
  return answer
end

--- Converts typed text to the question's type; nil and a reason when it does not fit.
---@param question scion.AskQuestion
---@param text string
---@return any value, string? problem
function M.convert(question, text)
  local trimmed = vim.trim(text)
  if question.type == 'int' then
    local number = tonumber(trimmed)
    if number == nil or number ~= math.floor(number) then
      return nil, ('%q is not a whole number'):format(text)
    end
    return number
  elseif question.type == 'float' then
    local number = tonumber(trimmed)
    if number == nil then
      return nil, ('%q is not a number'):format(text)
    end
    return number
  elseif question.type == 'json' then
    local ok, value = pcall(vim.json.decode, trimmed)
    if not ok then
      return nil, ('%q is not valid JSON'):format(text)
    end
    return value
  end
  return text
end

---@param value any
---@return string
local function as_text(value)
  if value == nil then
    return ''
  elseif type(value) == 'table' then
    return vim.json.encode(value)
  end
  return tostring(value)
end

---@param title string
---@param question scion.AskQuestion
local function input_value(title, question)
  local default = present(question.default)
  local placeholder = present(question.placeholder)
  local prompt = prompt_for(title, question)
  if default == nil and placeholder then
    prompt = ('%s (e.g. %s)'):format(prompt, placeholder)
  end
  local text = as_text(default)
  while true do
    local typed
    if question.secret then
      local ok, secret = pcall(vim.fn.inputsecret, prompt .. ': ')
      typed = ok and secret or nil
      if typed == '' and default ~= nil then
        typed = text
      end
    else
      typed = await(function(callback)
        vim.ui.input({ prompt = prompt .. ': ', default = text }, callback)
      end)
    end
    if typed == nil then
      return CANCELLED
    end
    local value, problem = M.convert(question, typed)
    if problem == nil then
      return value
    end
    vim.notify(('Scion: %s: %s, try again.'):format(question.name, problem), vim.log.levels.WARN)
    text = typed
  end
end

---@param title string
---@param question scion.AskQuestion
local function ask_one(title, question)
  local choices = present(question.choices)
  if type(choices) == 'table' and #choices > 0 then
    question.choices = choices
    if question.multiselect then
      return select_many(title, question)
    end
    return select_one(title, question)
  end
  if question.type == 'bool' then
    return select_bool(title, question)
  end
  return input_value(title, question)
end

--- An answer as the review shows it: choice labels rather than values, secrets hidden.
---@param question scion.AskQuestion
---@param value any
---@return string
local function displayed(question, value)
  if question.secret then
    return value ~= nil and '******' or ''
  end
  local choices = present(question.choices)
  if type(choices) == 'table' and #choices > 0 then
    local values = question.multiselect and type(value) == 'table' and value or { value }
    return table.concat(
      vim.tbl_map(function(item)
        for _, choice in ipairs(choices) do
          if vim.deep_equal(choice.value, item) then
            return choice.label
          end
        end
        return as_text(item)
      end, values),
      ', '
    )
  end
  if question.type == 'bool' then
    return value and 'Yes' or 'No'
  end
  return as_text(value)
end

--- The question with its current answer as the proposal to confirm or change.
---@param question scion.AskQuestion
---@param value any
---@return scion.AskQuestion
local function proposing(question, value)
  return vim.tbl_extend('force', question, { default = value == nil and vim.NIL or value })
end

---@param title string
---@param questions scion.AskQuestion[]
---@param answers table<string, any>
---@return 'generate'|'each'|scion.AskQuestion|nil choice nil when cancelled
local function review(title, questions, answers)
  local items = { { generate = true } }
  for _, question in ipairs(questions) do
    items[#items + 1] = { question = question }
  end
  items[#items + 1] = { each = true }
  local item = await(function(callback)
    vim.ui.select(items, {
      prompt = ('%s - Enter accepts the proposals'):format(title),
      kind = 'scion.review',
      format_item = function(entry)
        if entry.generate then
          return ('Generate with these answers (%d)'):format(#questions)
        elseif entry.each then
          return 'Answer each question in turn'
        end
        return ('%s: %s'):format(entry.question.name, displayed(entry.question, answers[entry.question.name]))
      end,
    }, callback)
  end)
  if item == nil then
    return nil
  end
  return item.generate and 'generate' or item.each and 'each' or item.question
end

--- Asks the questions, each pre-filled; must run in a coroutine.
---@param params scion.AskParams
---@return table|vim.NIL answers `{name = value}`, or vim.NIL when the user cancelled
function M.ask(params)
  local questions = params.questions or {}
  local title = present(params.title) or ('Generate: ' .. tostring(params.templateId))
  local answers = {}
  for _, question in ipairs(questions) do
    answers[question.name] = present(question.default)
  end
  if #questions == 1 then
    local value = ask_one(title, questions[1])
    if value == CANCELLED then
      return vim.NIL
    end
    answers[questions[1].name] = value
  end
  while #questions > 1 do
    local choice = review(title, questions, answers)
    if choice == nil then
      return vim.NIL
    end
    local to_ask = choice == 'each' and questions or { choice }
    if choice == 'generate' then
      -- A question with no proposal has nothing to accept: it is asked first.
      to_ask = vim.tbl_filter(function(question)
        return answers[question.name] == nil
      end, questions)
      if #to_ask == 0 then
        break
      end
    end
    -- Each question in turn, or the one picked; cancelling one returns to the review, as it was.
    for _, question in ipairs(to_ask) do
      local value = ask_one(title, proposing(question, answers[question.name]))
      if value == CANCELLED then
        break
      end
      answers[question.name] = value
    end
  end
  local result = vim.empty_dict()
  for _, question in ipairs(questions) do
    local value = answers[question.name]
    result[question.name] = value == nil and vim.NIL or value
  end
  return result
end

--- The `scion/ask` request handler (server -> client).
---@param params scion.AskParams
---@return table|vim.NIL
function M.handler(_, params, _)
  local co, main = coroutine.running()
  if co == nil or main or not coroutine.isyieldable() then
    -- Neovim runs server requests in a coroutine; without one there is no way to wait.
    vim.notify('Scion: cannot ask questions outside a coroutine; cancelled.', vim.log.levels.ERROR)
    return vim.NIL
  end
  return M.ask(params)
end

return M
