// Entry point of the built widget.js. Embedding takes one tag:
//   <script src="widget.js" data-server-url="http://localhost:5005" data-language="fr" defer></script>
// Optional: data-socket-path (default /socket.io), data-open="true" (panel open on first visit).
// Or, without data attributes: ExpatSante.init({serverUrl, language, socketPath, open}).

import { SERVER } from "./config.js";
import { ExpatSanteWidget } from "./widget.js";

const widgets = [];

function init(options) {
  const widget = new ExpatSanteWidget(options).mount();
  widgets.push(widget);
  return widget;
}

const script = document.currentScript;
window.ExpatSante = { init, widgets };

if (script && script.dataset.serverUrl) {
  const options = {
    serverUrl: script.dataset.serverUrl,
    language: script.dataset.language || document.documentElement.lang || navigator.language,
    socketPath: script.dataset.socketPath || SERVER.socketPath,
    open: script.dataset.open === "true",
  };
  const start = () => init(options);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}
