// Renders every <pre class="mermaid"> block as a diagram (the text stays readable without JavaScript).
/* global mermaid */
if (window.mermaid) {
  mermaid.initialize({ startOnLoad: true, securityLevel: "strict", theme: "neutral" });
}
