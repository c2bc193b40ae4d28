// `npm run test:browser`: the register page (/register) in a real browser — Debian's chromium driven
// by playwright-core — against `npm start` on free loopback ports and a fresh state folder.
//
// Seeds an event through the API with the admin key of .dev.vars, then runs, each saving screenshots
// under test-results/browser/:
//   a. a cashier signs in, scans three tags (typed + Enter, as a scanner does), checks out, and the
//      receipt shows the items and the right total (the API has the sale);
//   b. the network is cut: two sales are kept on the device ("2 sales waiting to upload"), the API
//      has neither, a reload opens the page from the device with both still waiting; the network
//      returns, both upload, and the API has each exactly once;
//   c. a second register (another key, another browser context) scans a tag already sold and is
//      told which tag and why; it takes it out and sells the rest;
//   d. a checkout's answer is lost (the server sold, the page heard nothing): the sale is queued
//      with its id, uploaded again, answered 200 (a replay), and counted once;
//   e. a sale made offline whose tag another register sells meanwhile is refused on upload: the
//      page shows it as needing attention (which tag, why) and keeps it until the cashier uploads
//      it without that tag;
//   f. the first register voids its first sale from its list of recent sales;
//   g. at closing time a sale made offline is uploaded after the organizer completed the session:
//      the ended session takes it (201) and nothing needs attention; the next session is half
//      price: the register switches to it, and the receipt shows each tag price struck through
//      beside the price paid, and the half-price total.
// Then the organizer's dashboard (/admin) and the consignor's page (/consignor), each on an event
// of its own:
//   h. the organizer signs in, creates a session, starts it, and watches its totals move as sales
//      arrive through the API and the register page: no reload, no polling, the session's WebSocket;
//   i. a consignor enters an item (a price off the organizer's step is refused in words), sees it,
//      prints their tags, and once a register has sold it in a half-price session sees the sale:
//      tag price, price, their share;
//   j. the organizer finds a calculation in error with its reason, registers the consignor and
//      retries it; issues and revokes a key; completes the session, sees a sale a register uploads
//      afterwards listed as uploaded after the session ended, closes the event (typed confirmation)
//      and runs the archive.
// `--docs` also saves the pictures of the README (docs/register.png, docs/admin.png, docs/consignor.png).
// Loopback only; bounded in time (DEADLINE_MS); whatever it started is stopped, even on failure.
// `node scripts/browser-test.mjs --origin http://127.0.0.1:8787` runs against a server already up.
//
// The harness (the server, seeding, chromium, screenshots, the runner) is scripts/browser/harness.mjs;
// the tests are scripts/browser/register.mjs (a–g), admin.mjs (h, j) and consignor.mjs (i).
import { run } from "./browser/harness.mjs";
import { tests as admin } from "./browser/admin.mjs";
import { tests as consignor } from "./browser/consignor.mjs";
import { tests as register } from "./browser/register.mjs";

// In the order of their letters: b–g go on with a's register page, j with h's event and session.
run([...register, ...admin, ...consignor].sort((x, y) => (x.name < y.name ? -1 : 1)));
