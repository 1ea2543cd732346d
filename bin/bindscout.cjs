// Checks the Node.js version before the bundle is loaded: on an old node the bundle would stop with a
// syntax error that does not say what is wrong. Hence the old syntax here (var, no arrows), and the
// import() kept in a string until the check has passed. The minimum is package.json's "engines".
'use strict';
var fs = require('fs');
var path = require('path');
var url = require('url');

var engines = require('../package.json').engines || {};
var minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(engines.node || '').trim());
var found = process.versions.node.split('.');

function tooOld() {
  if (minimum === null) return false;
  for (var i = 0; i < 3; i++) {
    var have = Number(found[i] || 0);
    var need = Number(minimum[i + 1] || 0);
    if (have !== need) return have < need;
  }
  return false;
}

if (tooOld()) {
  var needed = engines.node.replace(/^>=\s*/, '');
  var message = [
    'bindscout: needs Node.js ' + needed + ' or newer, but ' + process.execPath + ' is ' + process.version + '.',
    'Install a newer Node.js and put it on PATH, or name it in BINDSCOUT_NODE,',
    'e.g. sudo BINDSCOUT_NODE=/path/to/bin/node bindscout ...',
    '',
  ];
  process.stderr.write(message.join('\n'));
  process.exitCode = 4;
} else {
  var bundle = path.join(__dirname, '..', 'dist', 'bindscout.mjs');
  new Function('bundle', 'return import(bundle)')(url.pathToFileURL(bundle).href).then(null, function (error) {
    var missing = error && error.code === 'ERR_MODULE_NOT_FOUND' && !fs.existsSync(bundle);
    var why = missing ? 'it is missing (in a clone, npm run build makes it)' : (error && error.stack) || error;
    process.stderr.write('bindscout: cannot load ' + bundle + ': ' + why + '\n');
    process.exitCode = 70;
  });
}
