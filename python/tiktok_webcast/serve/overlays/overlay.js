// Shared by every overlay page: URL parameters, styling, the event stream (our JSON over a websocket, reconnecting
// with backoff), totals per creator, and the optional "send test event" control. No dependencies, no build step.
"use strict";

const Overlay = (() => {
  const params = new URLSearchParams(location.search);

  const param = (name, fallback) => (params.has(name) && params.get(name) !== "" ? params.get(name) : fallback);
  const number = (name, fallback) => {
    const value = Number(param(name, NaN));
    return Number.isFinite(value) ? value : fallback;
  };

  // URL parameter -> CSS variable. Colours may be given without "#" (OBS URL fields make "#" awkward).
  const STYLE = { font: "--font", size: "--size", color: "--color", accent: "--accent", accent2: "--accent2",
    bg: "--bg", page: "--page", radius: "--radius" };
  const asColour = (value) => (/^[0-9a-f]{3,8}$/i.test(value) ? "#" + value : value);
  function applyStyle() {
    for (const [name, variable] of Object.entries(STYLE)) {
      if (!params.has(name)) continue;
      let value = params.get(name);
      if ((name === "size" || name === "radius") && /^\d+(\.\d+)?$/.test(value)) value += "px";
      document.documentElement.style.setProperty(variable, asColour(value));
    }
  }

  function withToken(path) {
    const token = params.get("token");
    if (!token) return path;
    return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
  }

  // Totals per creator from "Stats" messages; shown summed unless ?creator= picks some.
  const stats = new Map();
  function totals() {
    const sum = { likes: 0, follows: 0, shares: 0, diamonds: 0, gifts: 0, viewers: 0, top_gifters: [] };
    const gifters = new Map();
    for (const value of stats.values()) {
      for (const key of ["likes", "follows", "shares", "diamonds", "gifts", "viewers"]) sum[key] += value[key] || 0;
      for (const gifter of value.top_gifters || []) {
        const seen = gifters.get(gifter.user_id);
        if (seen) seen.diamonds += gifter.diamonds;
        else gifters.set(gifter.user_id, { ...gifter });
      }
    }
    sum.top_gifters = [...gifters.values()].sort((a, b) => b.diamonds - a.diamonds);
    return sum;
  }

  function setConnection(text) {
    let badge = document.getElementById("connection");
    if (!badge && param("debug", "0") === "1") {
      badge = document.createElement("div");
      badge.id = "connection";
      document.body.appendChild(badge);
    }
    if (badge) badge.textContent = text;
    document.body.dataset.connection = text;
  }

  // Connects to /events with the types this page wants; calls handle(message) for each message.
  function connect(types, handle) {
    const query = new URLSearchParams();
    query.set("type", types.join(","));
    query.set("batch", "1");  // one websocket message per batch of events: a JSON array
    if (params.get("creator")) query.set("creator", params.get("creator"));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = scheme + "//" + location.host + withToken("/events?" + query.toString());
    let delay = 500;
    const open = () => {
      const socket = new WebSocket(url);
      socket.onopen = () => { delay = 500; setConnection("connected"); };
      socket.onmessage = (frame) => {
        let messages;
        try { messages = JSON.parse(frame.data); } catch (error) { return; }
        for (const message of Array.isArray(messages) ? messages : [messages]) {
          if (message.type === "Stats") stats.set(message.creator, message.event);
          handle(message);
        }
      };
      socket.onclose = () => {
        setConnection("reconnecting");
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    };
    open();
  }

  function sendTest(kind, extra) {
    return fetch(withToken("/api/test-event"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ kind, ...(extra || {}) }),
    });
  }

  // ?controls=1 shows buttons that send test events through the server (the same path as real events).
  function addControls(kinds) {
    if (param("controls", "0") !== "1") return;
    const box = document.createElement("div");
    box.id = "controls";
    for (const kind of kinds) {
      const button = document.createElement("button");
      button.textContent = "test " + kind;
      button.dataset.kind = kind;
      button.onclick = () => sendTest(kind, kind === "gift" ? { count: 5, diamonds: 1 } : {});
      box.appendChild(button);
    }
    document.body.appendChild(box);
  }

  function userName(user) {
    if (!user) return "someone";
    return user.nickname || user.username || "someone";
  }

  function picture(image) {
    return image && image.urls && image.urls.length ? image.urls[0] : null;
  }

  function formatNumber(value) {
    return Number(value || 0).toLocaleString("en-US");
  }

  applyStyle();
  return { params, param, number, connect, totals, addControls, sendTest, userName, picture, formatNumber, withToken };
})();
