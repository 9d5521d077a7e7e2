-- A command that fails is shown once: by the server (window/showMessage), not again by the client.
local H = dofile(vim.env.SCION_TEST_HELPERS)
H.setup()

H.test('a failed command from a code action or :Scion is shown once', function()
  local bufnr, client = H.open('src/a.py')
  local shown = {}
  vim.notify = function(message)
    shown[#shown + 1] = message
  end
  local argument = { templateId = 'no/such-template', uri = vim.uri_from_bufnr(bufnr) }
  local barrier = function()
    -- A round trip after the failure: by its answer, a second message would be in.
    vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', vim.lsp.util.make_position_params(0, 'utf-16'), 10000)
  end

  client:exec_cmd({ title = 'Generate', command = 'scion.generate', arguments = { argument } }, { bufnr = bufnr })
  H.wait('the server to show the failure', function()
    return #shown > 0
  end)
  barrier()
  H.eq(1, #shown, vim.inspect(shown))
  H.contains(shown[1], "no template 'no/such-template'")

  shown = {}
  require('scion.commands').execute(client, 'scion.generate', argument, function() end, bufnr)
  H.wait('the server to show the failure again', function()
    return #shown > 0
  end)
  barrier()
  H.eq(1, #shown, vim.inspect(shown))
end)

H.finish()
