/// The console's script: takes the snapshot and patches from `/events` (Server-Sent Events) and renders
/// them with `textContent` only (bus data never becomes markup); logs the operator in and sends commands
/// with the session's CSRF token. The buttons are drawn from the server's `actions` list, so a trading
/// command order-router gains appears by adding it there; those in `confirm` (cancel_all, flatten: they act at IB)
/// open a `<dialog>` first and are sent, with `confirm` naming the action, only when the operator confirms. The
/// answer's `cleanup` (cancelled intents, exits, problems) is shown under the buttons.
public enum ConsoleScript {
    public static let javascript = #"""
        "use strict";
        const S = { processes: [], run: null, symbols: {}, decisions: {}, orders: {}, trades: [], portfolio: null, trading: null,
                    runs: [], actions: [], confirm: [], operator_enabled: false };
        const WHAT = {
          cancel_all: "CANCEL ALL halts trading, then cancels every working Candlewick order at IB, bracket children included. Orders at IB that are not Candlewick's are left alone.",
          flatten: "FLATTEN halts trading, cancels every working Candlewick order at IB, then closes every position with a market order (one sent while the market is closed fills at the next open).",
        };
        let pending = null;
        let csrf = null;
        const $ = (id) => document.getElementById(id);
        function el(tag, attrs, ...kids) {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null) continue;
            if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
          }
          for (const k of kids) if (k !== null && k !== undefined) e.append(k);
          return e;
        }
        const num = (v, d = 2) => (v === null || v === undefined || v === "") ? "–" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: 0 });
        const money = (v) => (v === null || v === undefined) ? "–" : Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        const row = (cells) => el("tr", {}, ...cells.map(([t, c]) => el("td", { class: c, text: String(t) })));

        function renderTrading() {
          const t = S.trading;
          $("trading-state").textContent = t ? t.state : "unknown";
          $("trading-state").className = "state-big " + (t ? t.state : "");
          $("trading-reason").textContent = t ? `— ${t.reason}` : "(no answer from order-router yet)";
          $("trading-day").textContent = t ? `today: notional ${money(t.daily_notional)}, realised P&L ${money(t.daily_realized_pnl)}` : "";
          const box = $("action-buttons");
          if (box.childElementCount !== S.actions.length) {
            box.replaceChildren(...S.actions.map((a) => {
              const b = el("button", { type: "button", id: "action-" + a, "data-action": a, class: a === "halt" ? "danger" : "", text: a.toUpperCase().replace("_", " ") });
              b.addEventListener("click", () => (S.confirm || []).includes(a) ? askConfirm(a) : command(a, false));
              return b;
            }));
          }
        }
        function renderProcesses() {
          const body = $("processes-body");
          if (!S.processes.length) { body.replaceChildren(row([["no heartbeat yet", "empty"]])); return; }
          body.replaceChildren(...S.processes.map((p) => {
            const hb = p.heartbeat, counters = Object.entries(hb.counters || {}).sort().map(([k, v]) => `${k}=${num(v, 3)}`).join(" ");
            const tr = row([[hb.instance, ""], [p.stale ? `${hb.state} (stale)` : hb.state, p.stale ? "stale" : "ok"], [`${num(p.age_s, 1)} s`, "num"],
                            [counters, ""], [(hb.alerts || []).map((a) => `${a.kind} ${a.id}`).join("; ") || "none", (hb.alerts || []).length ? "bad" : ""]]);
            tr.firstChild.replaceWith(el("th", { scope: "row", text: hb.instance }));
            return tr;
          }));
        }
        function renderRun() {
          const r = S.run, body = $("run-body");
          if (!r) { body.replaceChildren(el("p", { class: "empty", text: "no run seen yet" })); return; }
          const p = r.progress, total = p.total || Object.keys(S.symbols).length;
          const kids = [el("p", {}, el("strong", { text: r.run_id }), r.finished ? ` — ${r.finished.status}` : " — running")];
          const bar = (name, n) => el("div", {}, el("label", { for: "stage-" + name, text: `${name}: ${n} of ${total}` }),
                                      el("progress", { id: "stage-" + name, max: String(Math.max(total, 1)), value: String(n) }));
          kids.push(bar("recorded", p.recorded));
          for (const [name, n] of Object.entries(p.stages)) kids.push(bar(name, n));
          kids.push(bar("decided", p.decided));
          body.replaceChildren(...kids);
        }
        function decisionText(d) {
          if (!d) return "no decision";
          const note = d.note ? ` (${d.note.code}${d.note.detail ? ": " + d.note.detail : ""})` : "";
          return d.outcome + note;
        }
        function symbolCard(sym) {
          const rec = S.symbols[sym], sig = rec.signal || {}, card = el("article", { class: "symbol", id: "symbol-" + sym, "data-symbol": sym });
          const charts = el("div", { class: "charts" });
          for (const tf of ["daily", "weekly"]) {
            if (rec.charts && rec.charts[tf]) charts.append(el("img", { src: rec.charts[tf], alt: `${sym} ${tf} chart`, class: "chart-" + tf, loading: "lazy", width: "640", height: "400" }));
            else charts.append(el("p", { class: "empty", text: `no ${tf} chart` }));
          }
          const facts = el("dl", { class: "facts" });
          const fact = (k, v, c) => { facts.append(el("dt", { text: k }), el("dd", { class: c, text: v })); };
          fact("signal", `${sig.action} ${sig.confidence} (${num(sig.confidence_score, 0)})`, "signal " + sig.action);
          fact("levels", `entry ${num(sig.entry_price)} · stop ${num(sig.stop_loss)} · target ${num(sig.take_profit)} · last ${num(rec.latest_price)}`);
          if ((rec.reasons || []).length) fact("refused", rec.reasons.join("; "), "bad");
          fact("analyst", `${rec.llm_provider} ${rec.llm_model} (prompt ${rec.prompt_version})`);
          fact("latency", `${num(rec.llm_latency_ms, 0)} ms, ${rec.input_tokens}+${rec.output_tokens} tokens`);
          fact("cost", rec.cost_usd === undefined || rec.cost_usd === null ? "unpriced" : `$${num(rec.cost_usd, 4)}`);
          fact("router", decisionText(S.decisions[sym]), "decision");
          if (sig.reasoning) fact("reasoning", sig.reasoning);
          card.append(el("h3", { text: sym }), charts, facts);
          return card;
        }
        function renderSymbol(sym) {
          const box = $("symbols"), old = document.getElementById("symbol-" + sym);
          if (!S.symbols[sym]) return;
          const card = symbolCard(sym);
          for (const e of box.querySelectorAll(":scope > p.empty")) e.remove();
          if (old) old.replaceWith(card); else box.append(card);
          $("symbols-count").textContent = `(${Object.keys(S.symbols).length})`;
        }
        function renderSymbols() {
          $("symbols").replaceChildren();
          for (const sym of Object.keys(S.symbols).sort()) renderSymbol(sym);
          if (!Object.keys(S.symbols).length) $("symbols").replaceChildren(el("p", { class: "empty", text: "no signal yet in this run" }));
        }
        function renderOrders() {
          const list = Object.entries(S.orders).slice(-100).reverse();
          $("orders-body").replaceChildren(...list.map(([ref, o]) => row([[o.symbol || "", ""], [o.side || "", o.side || ""], [o.order_type || "", ""],
            [num(o.quantity, 4), "num"], [num(o.filled_quantity ?? o.filled, 4), "num"], [num(o.avg_fill_price), "num"], [o.status || "", ""], [ref, ""]])));
        }
        function renderFills() {
          const list = S.trades.slice(-100).reverse();
          $("fills-body").replaceChildren(...list.map((t) => {
            const x = t.executions ? { symbol: t.symbol, side: t.side, quantity: t.total_quantity, price: t.average_price, commission: t.total_commission, realized_pnl: t.realized_pnl, timestamp: (t.executions[0] || {}).timestamp } : t;
            return row([[x.timestamp || "", ""], [x.symbol || "", ""], [x.side || "", x.side || ""], [num(x.quantity, 4), "num"], [num(x.price), "num"], [money(x.commission), "num"], [money(x.realized_pnl), "num"]]);
          }));
        }
        function renderPortfolio() {
          const p = S.portfolio;
          if (!p) return;
          $("portfolio-summary").className = "";
          $("portfolio-summary").textContent = `${p.account || "account"}: cash ${money(p.cash)}, total ${money(p.total_value)}, unrealised ${money(p.unrealized_pnl)}, realised ${money(p.realized_pnl)}`;
          $("portfolio-body").replaceChildren(...(p.positions || []).map((x) => row([[x.symbol, ""], [num(x.quantity, 4), "num"], [num(x.average_cost), "num"], [num(x.market_price), "num"],
            [money(x.market_value ?? x.quantity * x.market_price), "num"], [money(x.unrealized_pnl), "num"], [money(x.realized_pnl), "num"]])));
        }
        function renderRuns() {
          const list = S.runs || [];
          $("runs-list").replaceChildren(...(list.length ? list.map((r) => el("li", {}, el("a", { href: r.url, text: r.name }), ` (${r.modified})`)) : [el("li", { class: "empty", text: "no run folder with a report" })]));
        }
        function renderCleanup(action, c) {
          const list = (id, items, empty) => $(id).replaceChildren(...(items.length ? items : [empty]).map((t) => el("li", { text: t })));
          $("cleanup-summary").textContent = `${action.toUpperCase().replace("_", " ")}: ${c.cancelled_intents.length} intent(s) cancelled, ${c.exits.length} exit(s), ${c.problems.length} problem(s)`;
          list("cleanup-cancelled", c.cancelled_intents, "none");
          list("cleanup-exits", c.exits.map((x) => `${x.symbol} ${x.side} ${num(x.quantity, 4)} at market: ${x.outcome} (intent ${x.intent_id})`), "none");
          list("cleanup-problems", c.problems, "none");
          $("cleanup-problems").className = c.problems.length ? "bad" : "";
          $("cleanup").hidden = false;
        }
        function renderAll() { renderTrading(); renderProcesses(); renderRun(); renderSymbols(); renderOrders(); renderFills(); renderPortfolio(); renderRuns(); }

        function applyPatch(p) {
          switch (p.section) {
            case "processes": S.processes = p.value; renderProcesses(); break;
            case "run":
              if (!S.run || !p.value || S.run.run_id !== p.value.run_id) { S.symbols = {}; S.decisions = {}; renderSymbols(); }
              S.run = p.value; renderRun(); break;
            case "progress": if (S.run && S.run.run_id === p.key) { S.run.progress = p.value; renderRun(); } break;
            case "symbol": S.symbols[p.key] = p.value; renderSymbol(p.key); break;
            case "decision": S.decisions[p.key] = p.value; renderSymbol(p.key); break;
            case "order": delete S.orders[p.key]; S.orders[p.key] = p.value; renderOrders(); break;
            case "trade": S.trades.push(p.value); if (S.trades.length > 200) S.trades.shift(); renderFills(); break;
            case "portfolio": S.portfolio = p.value; renderPortfolio(); break;
            case "trading": S.trading = p.value; renderTrading(); break;
            case "runs": S.runs = p.value; renderRuns(); break;
          }
        }
        function connect() {
          const es = new EventSource("/events");
          es.addEventListener("snapshot", (e) => { Object.assign(S, JSON.parse(e.data)); renderAll(); $("conn").textContent = "live"; });
          es.addEventListener("patch", (e) => applyPatch(JSON.parse(e.data)));
          es.onerror = () => { $("conn").textContent = "disconnected — reconnecting…"; };
        }

        function say(text) { $("operator-status").textContent = text; }
        function showOperator(loggedIn) {
          $("login-form").hidden = loggedIn;
          $("operator-actions").hidden = !loggedIn;
        }
        async function post(path, body) {
          const r = await fetch(path, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf || "" }, body: JSON.stringify(body || {}) });
          let data = {};
          try { data = await r.json(); } catch (_) {}
          return [r, data];
        }
        function askConfirm(action) {
          pending = action;
          const name = action.toUpperCase().replace("_", " ");
          $("confirm-h").textContent = `${name}?`;
          $("confirm-text").textContent = WHAT[action] || `${name} acts at IB.`;
          $("confirm-yes").textContent = `Yes, ${name}`;
          $("confirm-dialog").showModal();
        }
        async function command(action, confirmed) {
          const reason = $("command-reason").value.trim();
          say(`sending ${action}…`);
          for (const b of document.querySelectorAll("#action-buttons button")) b.disabled = true;
          try {
            const body = confirmed ? { action, reason, confirm: action } : { action, reason };
            const [r, data] = await post("/command", body);
            if (r.ok) {
              S.trading = data; renderTrading();
              say(`${action}: order-router is ${data.state}${data.refused ? " (refused: " + data.refused + ")" : ""}`);
              if (data.cleanup) renderCleanup(action, data.cleanup);
            }
            else { say(`${action} refused: ${data.error || r.status}`); if (r.status === 401) { csrf = null; showOperator(false); } }
          } finally { for (const b of document.querySelectorAll("#action-buttons button")) b.disabled = false; }
        }
        async function init() {
          renderAll();
          connect();
          $("login-form").addEventListener("submit", async (e) => {
            e.preventDefault();
            say("logging in…");
            const [r, data] = await post("/login", { credential: $("credential").value });
            $("credential").value = "";
            if (r.ok) { csrf = data.csrf; showOperator(true); say("logged in as the operator"); }
            else say(`login refused: ${data.error || r.status}`);
          });
          $("confirm-yes").addEventListener("click", () => { const a = pending; pending = null; $("confirm-dialog").close(); if (a) command(a, true); });
          $("confirm-no").addEventListener("click", () => $("confirm-dialog").close());
          $("confirm-dialog").addEventListener("close", () => { if (pending) { say(`${pending} not sent`); pending = null; } });
          $("logout").addEventListener("click", async () => { await post("/logout"); csrf = null; showOperator(false); say("logged out"); });
          const s = await (await fetch("/session", { credentials: "same-origin" })).json();
          if (s.logged_in) { csrf = s.csrf; showOperator(true); } else { showOperator(false); if (s.login_enabled === false) say("no operator credential is configured: read-only"); }
        }
        document.addEventListener("DOMContentLoaded", init);
        """#
}
