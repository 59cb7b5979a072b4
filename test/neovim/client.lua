-- Drives TrainLens from Neovim's built-in LSP client (Neovim 0.7+, no plugins), headless:
-- opens a training script, waits for the OOM diagnostic, asks for a hover and the code actions,
-- applies the "Enable gradient checkpointing" fix and waits for the new diagnostic. Everything
-- Neovim received is written as JSON to $TRAINLENS_NVIM_OUT for test/neovim/neovim.test.ts to check.
-- Environment: TRAINLENS_NVIM_CMD (JSON array: the server command), TRAINLENS_NVIM_FILE,
-- TRAINLENS_NVIM_HOVER ("line:character", 0-based), TRAINLENS_NVIM_OUT.
local out = { steps = {} }
local TIMEOUT_MS = 45000

local function step(name) table.insert(out.steps, name) end

local function tl001(diagnostics)
  for _, d in ipairs(diagnostics or {}) do
    if d.code == 'TL001' then return d end
  end
end

local function run()
  local cmd = vim.fn.json_decode(os.getenv('TRAINLENS_NVIM_CMD'))
  local file = os.getenv('TRAINLENS_NVIM_FILE')
  local hover_line, hover_char = os.getenv('TRAINLENS_NVIM_HOVER'):match('^(%d+):(%d+)$')

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local published = {}

  local client_id = vim.lsp.start_client({
    name = 'trainlens',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(file, ':h'),
    -- The "trainlens" section answers workspace/configuration (Neovim 0.8+).
    settings = { trainlens = { gpu = 'V100-32GB', gpuCount = 1 } },
    -- Neovim 0.7 does not offer workspace/configuration: push the settings once, before any document.
    on_init = function(client)
      client.notify('workspace/didChangeConfiguration', { settings = client.config.settings })
    end,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        table.insert(published, result)
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
      end,
    },
  })
  if not client_id then error('vim.lsp.start_client returned nil') end
  vim.lsp.buf_attach_client(bufnr, client_id)
  step('attached')

  local function wait_oom(after)
    local found
    vim.wait(TIMEOUT_MS, function()
      for i = after + 1, #published do
        if published[i].uri == uri and tl001(published[i].diagnostics) then
          found = i
          return true
        end
      end
      return false
    end, 20)
    return found
  end

  local first = wait_oom(0)
  if not first then error('no TL001 diagnostic within ' .. TIMEOUT_MS .. ' ms') end
  local oom = tl001(published[first].diagnostics)
  out.diagnostic = oom
  -- What Neovim shows: its own diagnostic list for the buffer.
  out.shown = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out.shown, { lnum = d.lnum, col = d.col, severity = d.severity, message = d.message, source = d.source })
  end
  step('diagnostic')

  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = tonumber(hover_line), character = tonumber(hover_char) },
  }, TIMEOUT_MS)
  out.hover = hover and hover[client_id] and hover[client_id].result
  step('hover')

  local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = oom.range,
    context = { diagnostics = { oom } },
  }, TIMEOUT_MS)
  out.actions = actions and actions[client_id] and actions[client_id].result or {}
  step('code actions')

  local client = vim.lsp.get_client_by_id(client_id)
  for _, action in ipairs(out.actions) do
    if action.title:find('^Enable gradient checkpointing') and action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or 'utf-16')
      out.applied = action.title
      break
    end
  end
  if not out.applied then error('no "Enable gradient checkpointing" action with an edit') end
  out.text_after = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  step('applied')

  local second = wait_oom(first)
  out.diagnostic_after = second and tl001(published[second].diagnostics)
  step('diagnostic after')
end

local ok, err = pcall(run)
if not ok then out.error = tostring(err) end
local handle = assert(io.open(os.getenv('TRAINLENS_NVIM_OUT'), 'w'))
handle:write(vim.fn.json_encode(out))
handle:close()
vim.cmd('qa!')
