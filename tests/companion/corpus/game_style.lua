
PATTSyncDB = {
	["lastExportTime"] = 1767225600,
	["lastExport"] = {
		["characters"] = {
			{
				["name"] = "Trogmoon",
				["realm"] = "Sen'jin",
				["level"] = 80,
				["isOnline"] = false,
				["note"] = "main \"Trog\" \\ tank",
			}, -- [1]
			{
				["name"] = "Mito",
				["officerNote"] = "",
				["achievementPoints"] = 12345,
			}, -- [2]
		},
		["exportTimeISO"] = "2026-01-01T00:00:00Z",
	},
	["totalExports"] = 3,
}
