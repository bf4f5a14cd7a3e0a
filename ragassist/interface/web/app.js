// ragassist web page: ask, watch the answer stream, see its citations and flagged claims,
// upload documents. Plain JavaScript over the server's own API; no build step, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const messages = []; // the conversation, in OpenAI's form; sent whole with every question
let model = null;

function authHeaders(extra = {}) {
  const key = sessionStorage.getItem("ragassist-key") || "";
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function basename(path) { return String(path).split("/").pop(); }
function where(c) { return c.location ? `${basename(c.source)} (${c.location})` : basename(c.source); }

async function errorText(res) {
  try { const body = await res.json(); return body.error?.message || JSON.stringify(body); }
  catch { return `${res.status} ${res.statusText}`; }
}

function showError(message) {
  const p = $("error");
  p.textContent = message || "";
  p.hidden = !message;
}

// --- status and documents ---------------------------------------------------------------
async function pollHealth() {
  try {
    const res = await fetch("/health");
    const h = await res.json();
    model = h.model;
    if (h.status === "ready") {
      $("status").textContent = `ready · ${h.model} · ${h.queue.waiting} waiting`;
      loadDocuments();
      return;
    }
    $("status").textContent = h.status === "failed" ? `failed: ${h.error}` : `loading ${h.step}…`;
  } catch { $("status").textContent = "server unreachable; retrying…"; }
  setTimeout(pollHealth, 1000);
}

async function loadDocuments() {
  const res = await fetch("/v1/documents", { headers: authHeaders() });
  if (!res.ok) { $("doc-count").textContent = await errorText(res); return; }
  const body = await res.json();
  $("doc-count").textContent = `${body.data.length} files, ${body.chunks} passages`;
  $("doc-list").replaceChildren(...body.data.map((d) =>
    el("li", { title: d.source, text: `${basename(d.source)}${d.uploaded ? " (uploaded)" : ""}` })));
}

// --- the passage dialog -----------------------------------------------------------------
function openPassage(citation) {
  $("passage-title").textContent = `[${citation.number}] ${basename(citation.source)}`;
  $("passage-where").textContent = citation.location ? `${citation.source} · ${citation.location}` : citation.source;
  $("passage-text").textContent = citation.text;
  $("passage").showModal();
}

// Text with [n] citations turned into buttons that open the cited passage.
function withCitations(text, byNumber) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    out.push(text.slice(last, m.index));
    const c = byNumber.get(Number(m[1]));
    out.push(c ? el("button", { type: "button", class: "cite", text: m[0],
      "aria-label": `open passage ${m[1]}: ${where(c)}`, onclick: () => openPassage(c) }) : m[0]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

// Where a claim sits in the answer: claims are split without their [n] citations, so the
// words are matched with any citations and spacing between them.
function findClaim(answer, claim) {
  const escape = (w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const cites = "(?:\\s*\\[\\d+\\])*";
  const body = claim.trim().replace(/[.!?]$/, "");
  const end = claim.trim().slice(body.length);
  const pattern = body.split(/\s+/).map(escape).join(`${cites}\\s+`) + cites + escape(end);
  const m = new RegExp(pattern).exec(answer);
  return m ? { at: m.index, end: m.index + m[0].length } : null;
}

let tipCount = 0;
function flagMark(text, claim, byNumber) {
  const id = `tip-${++tipCount}`;
  const evidence = claim.evidence
    ? `Closest evidence: “${claim.evidence.slice(0, 240)}” (${basename(claim.evidence_source || "")})`
    : "No evidence found in the passages.";
  const tip = el("span", { class: "tip", id, role: "tooltip",
    text: `${claim.verdict || "likely wrong"}: support ${claim.probability.toFixed(2)}. ${evidence}` });
  return el("mark", { class: "flag", tabindex: "0", "aria-describedby": id },
    ...withCitations(text, byNumber), tip);
}

// The final answer: flagged claims marked, citations linked, the verdict, the sources.
function renderAnswer(box, r, question) {
  const byNumber = new Map(r.citations.map((c) => [c.number, c]));
  const text = el("div", { class: "answer-text" });
  if (r.abstained) {
    text.classList.add("abstained");
    text.append(`${r.answer}`);
    if (r.reason) text.append(el("span", { class: "dim", text: ` (${r.reason})` }));
  } else {
    const flagged = r.claims.filter((c) => c.flagged || c.verdict === "not sure")
      .map((c) => ({ c, found: findClaim(r.answer, c.claim) })).filter((f) => f.found)
      .sort((a, b) => a.found.at - b.found.at);
    let last = 0;
    for (const { c, found } of flagged) {
      if (found.at < last) continue;
      text.append(...withCitations(r.answer.slice(last, found.at), byNumber));
      text.append(flagMark(r.answer.slice(found.at, found.end), c, byNumber));
      last = found.end;
    }
    text.append(...withCitations(r.answer.slice(last), byNumber));
  }
  const parts = [text];
  if (r.image) parts.push(el("img", { class: "answer-image", src: r.image, alt: `image drawn for: ${question}` }));
  if (!r.abstained && r.claims.length) {
    // the answer's band is its weakest claim's, as `ragassist ask` prints it
    const band = r.verdict || (r.claims.some((c) => c.flagged) ? "likely wrong" : "supported");
    const mark = { supported: "✓", "not sure": "?", "likely wrong": "⚠" }[band] || "?";
    const n = r.claims.filter((c) => (c.verdict || band) === band).length;
    const support = r.support == null ? "" : `, support ${r.support.toFixed(2)}`;
    const counts = r.claims.length > 1 ? `${n} of ${r.claims.length} claims` : "1 claim";
    parts.push(el("p", { class: `verdict ${band === "supported" ? "ok" : "bad"}`,
      text: `${mark} ${band} (${counts}${support})` }));
    if (r.verdict_bands) parts.push(el("p", { class: "dim", text: r.verdict_bands }));
    if (r.draft) parts.push(el("p", { class: "dim",
      text: `the generator's answer, set aside: ${r.draft}` +
        (r.draft_support == null ? "" : ` (support ${r.draft_support.toFixed(2)})`) }));
  }
  if (r.citations.length) {
    const inferred = r.citations.every((c) => c.inferred);
    parts.push(el("p", { class: "dim", text: inferred ? "Sources (the model cited none; where the verifier found the evidence):" : "Sources:" }));
    parts.push(el("ol", { class: "sources" }, ...r.citations.map((c) => el("li", { value: String(c.number) },
      el("button", { type: "button", class: "cite", text: where(c), onclick: () => openPassage(c) })))));
  }
  box.replaceChildren(...parts);
}

// --- asking -----------------------------------------------------------------------------
async function ask(question) {
  showError("");
  const log = $("log");
  log.append(el("li", { class: "user" }, el("span", { class: "who", text: "You" }), question));
  const box = el("div", { class: "answer-text", "aria-busy": "true" });
  const item = el("li", { class: "assistant" }, el("span", { class: "who", text: "ragassist" }), box);
  log.append(item);
  item.scrollIntoView({ block: "end" });
  const history = [...messages, { role: "user", content: question }];
  const res = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }),
    body: JSON.stringify({ model, stream: true, messages: history }),
  });
  if (!res.ok) { box.textContent = ""; showError(await errorText(res)); item.remove(); return; }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", final = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) { showError(chunk.error.message); continue; }
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) box.append(piece);
        if (chunk.ragassist) final = chunk.ragassist;
      }
    }
  }
  box.removeAttribute("aria-busy");
  if (final) {
    renderAnswer(box, final, question);
    messages.push({ role: "user", content: question }, { role: "assistant", content: final.answer });
  }
  item.scrollIntoView({ block: "end" });
}

// --- uploading --------------------------------------------------------------------------
function progressText(job) {
  const p = job.progress || {};
  if (job.state !== "indexing" || p.files_total === undefined) return `(${job.state})`;
  return `(${p.files_split} / ${p.files_total} files read, ${p.files_indexed} searchable, ${p.chunks_indexed} passages)`;
}

async function upload(files) {
  const status = $("upload-status");
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  status.textContent = `uploading ${files.length} file(s)…`;
  const res = await fetch("/v1/documents", { method: "POST", headers: authHeaders(), body: form });
  if (!res.ok) { status.textContent = `refused: ${await errorText(res)}`; return; }
  $("files").value = "";
  let job = await res.json();
  while (job.state === "queued" || job.state === "indexing") {
    status.textContent = `indexing ${job.files.join(", ")}… ${progressText(job)}`;
    await new Promise((ok) => setTimeout(ok, 400));
    const poll = await fetch(`/v1/documents/${job.id}`, { headers: authHeaders() });
    if (!poll.ok) { status.textContent = await errorText(poll); return; }
    job = await poll.json();
  }
  if (job.state === "failed") { status.textContent = `indexing failed: ${job.error}`; return; }
  const r = job.report;
  const skipped = (r.skipped || []).map(([s, why]) => `; skipped ${basename(s)}: ${why}`).join("");
  status.textContent = `indexed ${job.files.join(", ")}: ${r.added.length} added, ${r.changed.length} changed, ${r.chunks_total} passages in the index${skipped}`;
  loadDocuments();
}

// --- wiring -----------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  const key = $("api-key");
  key.value = sessionStorage.getItem("ragassist-key") || "";
  key.addEventListener("change", () => { sessionStorage.setItem("ragassist-key", key.value); loadDocuments(); });
  $("ask").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = $("question").value.trim();
    if (!q) return;
    $("question").value = "";
    $("send").disabled = true;
    try { await ask(q); } catch (err) { showError(String(err)); }
    finally { $("send").disabled = false; $("question").focus(); }
  });
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("ask").requestSubmit(); }
  });
  $("upload").addEventListener("submit", (e) => {
    e.preventDefault();
    const files = $("files").files;
    if (files.length) upload(files).catch((err) => { $("upload-status").textContent = String(err); });
  });
  $("reset").addEventListener("click", () => { messages.length = 0; $("log").replaceChildren(); $("question").focus(); });
  pollHealth();
});
