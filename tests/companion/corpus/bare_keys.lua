-- hand-written style: bare keys, semicolons, single quotes, trailing separators
PATTSyncDB = { totalExports = 1; lastExport = { exportTime = 1767225600; characters = { { name = 'Ärger'; rank = 2; }; }; }; }
OtherAddonDB={enabled=true,scale=1.5,}
