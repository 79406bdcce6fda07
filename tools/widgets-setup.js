// Loaded before require.js and embed-amd.js on pages with widgets (see _config.yml).
// 1. Stop the theme's FontAwesome from rewriting widget icons (it breaks the Play button).
window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, {observeMutations: false});
// 2. require.js reads this when it loads. embed-amd.js looks for its icon fonts next to its
//    module names; map those to _static/widget-fonts/, where tools/run_book.py puts them.
var require = {
  baseUrl: new URL(".", document.currentScript.src).href,
  paths: {"@jupyter-widgets": "widget-fonts", "@jupyter-widgets/html-manager/dist": "widget-fonts"},
};
// 3. Widgets typeset their labels with MathJax 2's MathJax.Hub.Queue; the book has MathJax 3.
window.addEventListener("load", function () {
  if (window.MathJax && !window.MathJax.Hub) {
    window.MathJax.Hub = {Queue: function (job) {
      return window.MathJax.typesetPromise && window.MathJax.typesetPromise([job[2]]);
    }};
  }
});
