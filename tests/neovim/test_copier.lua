-- A new project from a copier template of .scion/templates: the code action is offered, and :Scion copier asks
-- the folder and the questions through vim.ui, then writes the project (the created buffers are saved).
local H = dofile(vim.env.SCION_TEST_HELPERS)

--- A copier template in the workspace's template root: a git repository with one tag.
local function make_template()
  local root = H.path('.scion/templates/web/site')
  vim.fn.mkdir(root, 'p')
  H.write('.scion/templates/web/site/copier.yml', 'project:\n  type: str\n  default: demo\n')
  H.write('.scion/templates/web/site/README.md.jinja', '# {{ project }}\n')
  H.write('.scion/templates/web/site/{{ _copier_conf.answers_file }}.jinja', '{{ _copier_answers|to_nice_yaml -}}\n')
  local env = {
    GIT_AUTHOR_NAME = 't',
    GIT_AUTHOR_EMAIL = 't@example.com',
    GIT_COMMITTER_NAME = 't',
    GIT_COMMITTER_EMAIL = 't@example.com',
  }
  for _, argv in ipairs({
    { 'git', 'init', '-q', '-b', 'main' },
    { 'git', 'add', '-A' },
    { 'git', 'commit', '-q', '-m', 'v1' },
    { 'git', 'tag', 'v1.0.0' },
  }) do
    local done = vim.system(argv, { cwd = root, env = env, text = true }):wait(30000)
    H.eq(0, done.code, table.concat(argv, ' ') .. ': ' .. (done.stderr or ''))
  end
end

make_template()
H.setup()
local prompts = H.stub_ui(function(items)
  return items[1]
end, function(opts)
  if opts.prompt:find('project folder', 1, true) then
    return 'apps/site'
  end
  return opts.prompt:find('project', 1, true) and 'shop' or opts.default
end)

H.test('the code action menu offers the copier template', function()
  local bufnr = H.open('src/main.py')
  local titles
  H.wait('the copier action (the roots are scanned in the background)', function()
    titles = H.titles(H.code_actions(bufnr))
    return vim.tbl_contains(titles, 'Scion: new project from copier template web/site…')
  end, 20000)
end)

H.test(':Scion copier asks the folder and the questions, and writes the project', function()
  H.open('src/main.py')
  vim.cmd('Scion copier')
  H.wait('the answers file on disk', function()
    return (H.read('apps/site/.copier-answers.yml') or ''):find('project: shop', 1, true) ~= nil
  end, 30000)
  H.wait('the README written from its buffer', function()
    return H.read('apps/site/README.md') == '# shop\n'
  end, 10000)
  H.eq(
    ('_commit: v1.0.0\n_src_path: %s\nproject: shop\n'):format(H.path('.scion/templates/web/site')),
    H.read('apps/site/.copier-answers.yml')
  )
  local asked = vim.tbl_map(function(p)
    return p.prompt
  end, prompts)
  H.ok(
    vim.iter(asked):any(function(p)
      return p:find('project folder', 1, true) ~= nil
    end),
    'the folder was not asked: ' .. vim.inspect(asked)
  )
end)

H.finish()
