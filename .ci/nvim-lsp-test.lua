-- Drives `pagerproof server` through Neovim's built-in LSP client, headless.
-- Run by .ci/test-editor.sh, which sets PAGERPROOF (the binary) and WORKSPACE
-- (a copy of .ci/editor/ with a .git). Exits with 0 when every check
-- passes, 1 on the first failure (and when no diagnostics arrive).
--
-- Written for the Neovim Debian ships (0.7: vim.lsp.start_client and
-- buf_attach_client; vim.lsp.start came in 0.8) and works on later ones.

local bin = assert(os.getenv("PAGERPROOF"), "PAGERPROOF is not set")
local root = assert(os.getenv("WORKSPACE"), "WORKSPACE is not set")
local WAIT = 20000

-- What each fixture must show: the finding's code and its range (0-based
-- line, byte column, as vim.diagnostic holds them), and the comment the
-- suppression action must insert above it. A `fix` entry checks the
-- rule's own fix: { title = "Fix: ...", line = 5, text = "..." } asserts
-- that the action exists and that, applied, line `line` reads `text`.
local FIXTURES = {
  {
    file = "app.py",
    code = "PP201",
    range = { 5, 11, 5, 28 },
    comment = "    # pagerproof: ignore[PP201] -- ",
    fix = { title = "Fix (unsafe): Add `timeout=10`", line = 5, text = "    return requests.get(url, timeout=10).json()" },
  },
  {
    file = "client.ts",
    code = "PP201",
    range = { 3, 20, 3, 49 },
    comment = "  // pagerproof: ignore[PP201] -- ",
    fix = {
      title = "Fix (unsafe): Add `timeout: 10000`",
      line = 3,
      text = "  const res = await axios.get(`/api/users/${id}`, { timeout: 10000 });",
    },
  },
  {
    file = "fetch.rs",
    code = "PP201",
    range = { 1, 15, 1, 32 },
    comment = "    // pagerproof: ignore[PP201] -- ",
  },
}

local function fail(msg)
  io.stderr:write("nvim-lsp-test: FAIL: " .. msg .. "\n")
  vim.cmd("cquit 1")
end

local function check(cond, msg)
  if not cond then
    fail(msg)
  end
end

local messages = {}
vim.lsp.handlers["window/showMessage"] = function(_, result)
  table.insert(messages, result.message)
end

local exit_code
local client_id = vim.lsp.start_client({
  name = "pagerproof",
  cmd = { bin, "server" },
  root_dir = root,
  on_exit = function(code)
    exit_code = code
  end,
})
check(client_id, "the client did not start")

local function lsp_diagnostic(d)
  return {
    range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
    severity = d.severity,
    message = d.message,
    source = d.source,
    code = d.code,
  }
end

local function find_action(actions, prefix)
  for _, a in ipairs(actions) do
    if a.title:sub(1, #prefix) == prefix then
      return a
    end
  end
end

local function code_actions(bufnr, d)
  local lsp_d = lsp_diagnostic(d)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_d.range,
    context = { diagnostics = { lsp_d } },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, WAIT)
  check(responses and responses[client_id], "no answer to textDocument/codeAction")
  check(not responses[client_id].err, "codeAction failed: " .. vim.inspect(responses[client_id].err))
  return responses[client_id].result or {}
end

local function run(fx)
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. fx.file))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.lsp.buf_attach_client(bufnr, client_id), "could not attach to " .. fx.file)
  local arrived = vim.wait(WAIT, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  check(arrived, "no diagnostics arrived for " .. fx.file .. " in " .. WAIT .. " ms")

  local diags = vim.diagnostic.get(bufnr)
  check(#diags == 1, fx.file .. ": expected one diagnostic, got " .. vim.inspect(diags))
  local d = diags[1]
  check(d.code == fx.code, fx.file .. ": code " .. tostring(d.code) .. ", expected " .. fx.code)
  check(d.source == "pagerproof", fx.file .. ": source " .. tostring(d.source))
  local got = { d.lnum, d.col, d.end_lnum, d.end_col }
  check(vim.deep_equal(got, fx.range), fx.file .. ": range " .. vim.inspect(got) .. ", expected " .. vim.inspect(fx.range))
  local href = d.user_data and d.user_data.lsp and d.user_data.lsp.codeDescription
  check(href and href.href:match("/rules/request%-without%-timeout%.md$"), fx.file .. ": no doc link")

  local client = vim.lsp.get_client_by_id(client_id)
  local actions = code_actions(bufnr, d)

  -- The rule's doc, through the server's command.
  local doc = find_action(actions, "Open the documentation of " .. fx.code)
  check(doc and doc.command, fx.file .. ": no documentation action in " .. vim.inspect(actions))
  local before = #messages
  vim.lsp.buf_request_sync(bufnr, "workspace/executeCommand", doc.command, WAIT)
  check(vim.wait(WAIT, function()
    return #messages > before
  end, 20), fx.file .. ": the doc command showed nothing")
  check(messages[#messages]:match("https://.*/rules/request%-without%-timeout%.md"), "doc message: " .. messages[#messages])

  -- Suppress: the comment lands above the finding, in the file's comment
  -- syntax and indentation, and the finding goes away.
  local suppress = find_action(actions, "Suppress " .. fx.code)
  check(suppress and suppress.edit, fx.file .. ": no suppression action in " .. vim.inspect(actions))
  vim.lsp.util.apply_workspace_edit(suppress.edit, client.offset_encoding)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  check(lines[fx.range[1] + 1] == fx.comment, fx.file .. ": inserted " .. vim.inspect(lines[fx.range[1] + 1]))
  local cleared = vim.wait(WAIT, function()
    return #vim.diagnostic.get(bufnr) == 0
  end, 50)
  check(cleared, fx.file .. ": the finding stayed after the suppression: " .. vim.inspect(vim.diagnostic.get(bufnr)))

  -- The rule's fix, where the fixture says it has one: undo the
  -- suppression, wait for the finding to come back, ask again, apply it.
  if fx.fix then
    vim.cmd("silent! undo")
    check(vim.wait(WAIT, function()
      return #vim.diagnostic.get(bufnr) == 1
    end, 50), fx.file .. ": the finding did not come back after undoing the suppression")
    local again = code_actions(bufnr, vim.diagnostic.get(bufnr)[1])
    local action = find_action(again, fx.fix.title)
    check(action and action.edit, fx.file .. ": no fix action " .. fx.fix.title .. " in " .. vim.inspect(again))
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    local line = vim.api.nvim_buf_get_lines(bufnr, fx.fix.line, fx.fix.line + 1, false)[1]
    check(line == fx.fix.text, fx.file .. ": after the fix, line reads " .. vim.inspect(line))
    check(vim.wait(WAIT, function()
      return #vim.diagnostic.get(bufnr) == 0
    end, 50), fx.file .. ": the finding stayed after the fix: " .. vim.inspect(vim.diagnostic.get(bufnr)))
  end
  print("ok: " .. fx.file)
end

local ok, err = xpcall(function()
  for _, fx in ipairs(FIXTURES) do
    run(fx)
  end
  vim.lsp.stop_client(client_id)
  check(vim.wait(WAIT, function()
    return exit_code ~= nil
  end, 50), "the server did not exit after shutdown")
  check(exit_code == 0, "the server exited with " .. tostring(exit_code))
end, debug.traceback)
if not ok then
  fail(tostring(err))
end
io.stdout:write("nvim-lsp-test: all checks passed\n")
vim.cmd("qall!")
