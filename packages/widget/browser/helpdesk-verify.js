// @ts-check
/**
 * <helpdesk-verify>: the Helpdesk Auth verify panel inside any web-based helpdesk tool.
 *
 *   <script type="module" src="https://auth.example.com/widget/helpdesk-verify.js"></script>
 *   <helpdesk-verify customer="CUST-1001" token-url="/helpdesk-auth/widget-token"></helpdesk-verify>
 *
 * Attributes:
 * - `customer`: your id of the customer on the call, passed to `token-url` as `?customer=`;
 * - `token-url`: an endpoint of YOUR backend that answers `{"token": "..."}`. It calls
 *   `POST /v1/widget-tokens` with your API key (which never reaches the browser);
 * - `token`: a widget token, instead of `token-url`;
 * - `server`: the Helpdesk Auth address; by default where this script was loaded from;
 * - `lang`: `en` or `de`; by default the agent's browser language.
 *
 * Changing `customer` (the agent opens another ticket) loads a new panel for that customer: the
 * old panel, and whatever it showed, is gone, and nothing it sends is passed on. A verification
 * the old panel had running is cancelled first (the old customer's phone stops asking), and the
 * element says so with `helpdesk-verify-abandoned`.
 *
 * Events (bubbling, composed). Every event's `detail` names `customer` (the attribute's value the
 * panel was loaded for) and `verificationId` (null when no verification was running):
 * - `helpdesk-verify-started`: `{customer, verificationId}` when the agent starts a verification;
 * - `helpdesk-verify-result`: `{customer, verificationId, status, assurance}` when it ends;
 * - `helpdesk-verify-abandoned`: `{customer, verificationId, cancelled}` when the host changed the
 *   customer while it ran; `cancelled` is false if the old panel could not cancel it (it then
 *   expires on its own, unanswered);
 * - `helpdesk-verify-error`: `{customer, verificationId, reason}`.
 *
 * Announced calls (the panel's "Call this customer", docs/call-notices.md). Their `detail` names
 * `customer` and `noticeId`; never the code:
 * - `helpdesk-call-started`: `{customer, noticeId, mutualCode}` when the agent announces a call;
 * - `helpdesk-call-confirmed`: `{customer, noticeId}` when the customer's app confirmed the code;
 * - `helpdesk-call-mismatch`: `{customer, noticeId}` when the customer said the code differed
 *   (the app reported the call as fake);
 * - `helpdesk-call-ended`: `{customer, noticeId, status}` when the agent ended it (`ended`) or it
 *   ran out (`expired`).
 */

const scriptOrigin = new URL(import.meta.url).origin;

/** The panel's call messages, passed on as `helpdesk-<type>` events. */
const callEvents = ['call-started', 'call-confirmed', 'call-mismatch', 'call-ended'];

class HelpdeskVerifyElement extends HTMLElement {
  static get observedAttributes() {
    return ['customer', 'token', 'token-url', 'server', 'lang'];
  }

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent =
      ':host{display:block;min-width:280px;max-width:100%}iframe{display:block;width:100%;min-height:360px;border:0;background:#fff}';
    /** @type {HTMLIFrameElement} */
    this.frame = HelpdeskVerifyElement.createFrame();
    /** The `customer` the current panel was loaded for. @type {string | null} */
    this.frameCustomer = null;
    /** The verification the current panel has running, if any. @type {string | null} */
    this.pendingVerification = null;
    /**
     * Panels being retired while they cancel their running verification, by their window.
     * @type {Map<Window, {frame: HTMLIFrameElement, done: (verificationId: string | null, cancelled: boolean) => void}>}
     */
    this.retiring = new Map();
    root.append(style, this.frame);
    /** @type {number} */
    this.generation = 0;
    this.loadScheduled = false;
    this.onMessage = this.onMessage.bind(this);
  }

  connectedCallback() {
    window.addEventListener('message', this.onMessage);
    this.scheduleLoad();
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
  }

  static createFrame() {
    const frame = document.createElement('iframe');
    frame.title = 'Verify caller';
    // The panel needs scripts and requests to its own origin; nothing else.
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    return frame;
  }

  /** @param {string} _name @param {string | null} oldValue @param {string | null} newValue */
  attributeChangedCallback(_name, oldValue, newValue) {
    if (this.isConnected && oldValue !== newValue) this.scheduleLoad();
  }

  /** Several attributes set at once (as when the element is created) load the panel once. */
  scheduleLoad() {
    if (this.loadScheduled) return;
    this.loadScheduled = true;
    queueMicrotask(() => {
      this.loadScheduled = false;
      void this.load();
    });
  }

  get serverOrigin() {
    return new URL(this.getAttribute('server') || scriptOrigin).origin;
  }

  /** A token from the attribute, or from the host backend's token URL. */
  async fetchToken() {
    const given = this.getAttribute('token');
    if (given) return given;
    const tokenUrl = this.getAttribute('token-url');
    if (!tokenUrl) throw new Error('Set token-url (or token) on <helpdesk-verify>.');
    const url = new URL(tokenUrl, document.baseURI);
    const customer = this.getAttribute('customer');
    if (customer) url.searchParams.set('customer', customer);
    const response = await fetch(url, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`The token URL answered ${response.status}.`);
    const body = await response.json();
    if (typeof body?.token !== 'string') throw new Error('The token URL did not answer {"token": "..."}.');
    return body.token;
  }

  async load() {
    const generation = ++this.generation;
    const customer = this.getAttribute('customer');
    try {
      const token = await this.fetchToken();
      if (generation !== this.generation) return;
      const lang = this.getAttribute('lang');
      const fragment = new URLSearchParams({ token, ...(lang ? { lang } : {}) });
      // A new frame each time: only the fragment would change, and a frame told to go to another
      // fragment of the page it shows stays on that page, with the previous customer.
      const frame = HelpdeskVerifyElement.createFrame();
      frame.src = `${this.serverOrigin}/console/widget#${fragment}`;
      const previous = this.frame;
      const previousCustomer = this.frameCustomer;
      if (previous.src) {
        // The old panel stays (hidden) until it has cancelled what it started, even a start
        // still on its way, which the element has not heard of yet.
        previous.hidden = true;
        previous.after(frame);
        void this.retire(previous, previousCustomer, this.pendingVerification);
      } else {
        previous.replaceWith(frame);
      }
      this.frame = frame;
      this.frameCustomer = customer;
      this.pendingVerification = null;
    } catch (error) {
      // No panel was loaded for this customer, so no verification of theirs runs.
      this.fail(error instanceof Error ? error.message : String(error), customer, null);
    }
  }

  /**
   * Asks a replaced panel to cancel its running verification, waits for its answer (5 seconds at
   * most), removes it and, when a verification was running, tells the host.
   * @param {HTMLIFrameElement} frame @param {string | null} customer @param {string | null} known
   *   the verification the element heard of
   */
  async retire(frame, customer, known) {
    const source = frame.contentWindow;
    /** @type {{verificationId: string | null, cancelled: boolean}} */
    const answer = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ verificationId: known, cancelled: false }), 5000);
      if (!source) return resolve({ verificationId: known, cancelled: false });
      this.retiring.set(source, {
        frame,
        done: (verificationId, cancelled) => {
          clearTimeout(timer);
          resolve({ verificationId: verificationId ?? known, cancelled });
        },
      });
      source.postMessage({ source: 'helpdesk-verify-host', type: 'abandon' }, this.serverOrigin);
    });
    if (source) this.retiring.delete(source);
    frame.remove();
    if (answer.verificationId) {
      this.emit('helpdesk-verify-abandoned', {
        customer,
        verificationId: answer.verificationId,
        cancelled: answer.cancelled,
      });
    }
  }

  /** @param {string} type @param {Record<string, unknown>} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /**
   * @param {string} reason
   * @param {string | null} customer the customer the failed step was for
   * @param {string | null} verificationId the verification running then, if any
   */
  fail(reason, customer = this.frameCustomer, verificationId = this.pendingVerification) {
    this.emit('helpdesk-verify-error', { customer, verificationId, reason });
  }

  /** Messages from our own frame only: its window, from the Helpdesk Auth origin. @param {MessageEvent} event */
  async onMessage(event) {
    if (event.origin !== this.serverOrigin) return;
    const data = event.data;
    if (data?.source !== 'helpdesk-verify') return;
    // A retiring panel is heard once more: whether it cancelled its verification. Nothing else.
    const retiring = this.retiring.get(/** @type {Window} */ (event.source));
    if (retiring) {
      if (data.type === 'abandoned') {
        const id = typeof data.verificationId === 'string' ? data.verificationId : null;
        retiring.done(id, data.cancelled === true);
      }
      return;
    }
    if (event.source !== this.frame.contentWindow) return;
    if (data.type === 'resize' && typeof data.height === 'number') {
      this.frame.style.height = `${Math.min(Math.max(data.height, 200), 2000)}px`;
    } else if (data.type === 'started' && typeof data.verificationId === 'string') {
      this.pendingVerification = data.verificationId;
      this.emit('helpdesk-verify-started', {
        customer: this.frameCustomer,
        verificationId: data.verificationId,
      });
    } else if (data.type === 'result') {
      if (this.pendingVerification === data.verificationId) this.pendingVerification = null;
      this.emit('helpdesk-verify-result', {
        verificationId: data.verificationId,
        status: data.status,
        assurance: data.assurance,
        customer: this.frameCustomer,
      });
    } else if (
      typeof data.type === 'string' &&
      callEvents.includes(data.type) &&
      typeof data.noticeId === 'string'
    ) {
      /** @type {Record<string, unknown>} */
      const detail = { customer: this.frameCustomer, noticeId: data.noticeId };
      if (data.type === 'call-started') detail.mutualCode = data.mutualCode;
      if (data.type === 'call-ended') detail.status = data.status;
      this.emit(`helpdesk-${data.type}`, detail);
    } else if (data.type === 'token-expired') {
      // A panel for a customer the host has moved away from is about to be replaced; it gets no token.
      if (this.getAttribute('customer') !== this.frameCustomer) return;
      try {
        const token = await this.fetchToken();
        this.frame.contentWindow?.postMessage(
          { source: 'helpdesk-verify-host', type: 'token', token },
          this.serverOrigin,
        );
      } catch (error) {
        this.fail(error instanceof Error ? error.message : String(error));
      }
    }
  }
}

if (!customElements.get('helpdesk-verify')) customElements.define('helpdesk-verify', HelpdeskVerifyElement);

export { HelpdeskVerifyElement };
