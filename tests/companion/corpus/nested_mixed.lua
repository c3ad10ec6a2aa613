M = {
	"first", -- [1]
	"second", -- [2]
	["name"] = "mixed",
	[10] = "sparse",
	[2.5] = "float key",
	[-1] = "negative key",
	[true] = "bool key",
	empty = {},
	array = { 1, 2, 3, { 4, { 5, { deep = true } } } },
	withNil = { 1, nil, 3 },
	numbers = { -7, 3.25, 1e3, 0x1F, -0.5e-2, 2^53 },
	flags = { yes = true, no = false, gone = nil },
}
