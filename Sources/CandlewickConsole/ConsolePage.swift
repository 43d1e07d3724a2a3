/// The console's HTML: landmarks, labelled controls, tables with header scopes, live regions for what
/// changes. No inline script or style (the Content-Security-Policy allows only the console's own files).
public enum ConsolePage {
    public static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Candlewick console</title>
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body class="console">
        <header class="top">
          <h1>Candlewick console</h1>
          <span class="conn" id="conn" role="status" aria-live="polite">connecting…</span>
        </header>
        <main class="panels">
          <section class="panel" id="trading" aria-labelledby="trading-h">
            <h2 id="trading-h">Trading state</h2>
            <p><span class="state-big" id="trading-state">unknown</span> <span id="trading-reason"></span></p>
            <p id="trading-day"></p>
            <div id="operator">
              <form class="login" id="login-form">
                <div><label for="credential">Operator credential</label>
                <input type="password" id="credential" name="credential" autocomplete="current-password" required></div>
                <button type="submit" id="login">Log in</button>
              </form>
              <div id="operator-actions" hidden>
                <div class="actions" id="action-buttons" role="group" aria-label="Trading commands"></div>
                <label for="command-reason">Reason (recorded in the journal and the audit log)</label>
                <input type="text" id="command-reason" maxlength="200" placeholder="from the console">
                <p><button type="button" id="logout">Log out</button></p>
              </div>
            </div>
            <p class="status-line" id="operator-status" role="status" aria-live="assertive"></p>
            <div class="cleanup" id="cleanup" aria-live="polite" hidden>
              <h3 id="cleanup-h">Last clean-up at IB</h3>
              <p id="cleanup-summary"></p>
              <h3>Cancelled intents</h3><ul id="cleanup-cancelled"></ul>
              <h3>Exits</h3><ul id="cleanup-exits"></ul>
              <h3>Problems</h3><ul id="cleanup-problems"></ul>
            </div>
            <dialog class="confirm" id="confirm-dialog" aria-labelledby="confirm-h" aria-describedby="confirm-text">
              <h2 id="confirm-h">Confirm</h2>
              <p id="confirm-text"></p>
              <div class="actions">
                <button type="button" id="confirm-no" autofocus>Cancel, send nothing</button>
                <button type="button" class="danger" id="confirm-yes">Confirm</button>
              </div>
            </dialog>
          </section>
          <section class="panel" id="run" aria-labelledby="run-h">
            <h2 id="run-h">Current run</h2>
            <div id="run-body" aria-live="polite"><p class="empty">no run seen yet</p></div>
          </section>
          <section class="panel wide" id="processes" aria-labelledby="processes-h">
            <h2 id="processes-h">Processes</h2>
            <table><thead><tr><th scope="col">instance</th><th scope="col">state</th><th scope="col" class="num">heartbeat age</th><th scope="col">counters</th><th scope="col">alerts</th></tr></thead>
            <tbody id="processes-body"><tr><td colspan="5" class="empty">no heartbeat yet</td></tr></tbody></table>
          </section>
          <section class="panel wide" id="symbols-panel" aria-labelledby="symbols-h">
            <h2 id="symbols-h">Signals <span id="symbols-count"></span></h2>
            <div class="symbols" id="symbols" aria-live="polite" aria-relevant="additions"></div>
          </section>
          <section class="panel" id="orders" aria-labelledby="orders-h">
            <h2 id="orders-h">Orders</h2>
            <table><thead><tr><th scope="col">symbol</th><th scope="col">side</th><th scope="col">type</th><th scope="col" class="num">qty</th><th scope="col" class="num">filled</th><th scope="col" class="num">avg price</th><th scope="col">status</th><th scope="col">ref</th></tr></thead>
            <tbody id="orders-body"></tbody></table>
          </section>
          <section class="panel" id="fills" aria-labelledby="fills-h">
            <h2 id="fills-h">Fills</h2>
            <table><thead><tr><th scope="col">time</th><th scope="col">symbol</th><th scope="col">side</th><th scope="col" class="num">qty</th><th scope="col" class="num">price</th><th scope="col" class="num">commission</th><th scope="col" class="num">realised P&amp;L</th></tr></thead>
            <tbody id="fills-body"></tbody></table>
          </section>
          <section class="panel" id="portfolio" aria-labelledby="portfolio-h">
            <h2 id="portfolio-h">Positions and P&amp;L</h2>
            <p id="portfolio-summary" class="empty">no portfolio yet</p>
            <table><thead><tr><th scope="col">symbol</th><th scope="col" class="num">qty</th><th scope="col" class="num">avg cost</th><th scope="col" class="num">price</th><th scope="col" class="num">value</th><th scope="col" class="num">unrealised</th><th scope="col" class="num">realised</th></tr></thead>
            <tbody id="portfolio-body"></tbody></table>
          </section>
          <section class="panel" id="past-runs" aria-labelledby="runs-h">
            <h2 id="runs-h">Past runs</h2>
            <ul id="runs-list"></ul>
          </section>
        </main>
        </body>
        </html>
        """
}
