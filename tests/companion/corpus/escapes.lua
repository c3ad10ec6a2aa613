E = {
	["bell"] = "\a\b\f\v",
	["ws"] = "a\tb\nc\rd",
	["decimal"] = "\124cffff0000red\124r \65\066\0671",
	["quotes"] = "\"\'\\",
	["single"] = 'it\'s "fine"',
	["continued"] = "line1\
line2",
	["nul"] = "a\0b",
	["utf8"] = "Zärkön — \226\152\131",
}
