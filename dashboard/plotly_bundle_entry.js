// aidtracker's plotly.js partial bundle: only the traces the dashboard draws.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/treemap'),
]);
window.Plotly = Plotly;
module.exports = Plotly;
