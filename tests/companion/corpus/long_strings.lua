--[[ a block comment with a fake assignment: Evil = 1 ]]
--[==[ a level-2 block comment ]] still comment ]==]
L = {
	plain = [[one
two]],
	skipsFirstNewline = [[
kept]],
	level2 = [==[has ]] and [[ inside]==],
	noEscapes = [[\n stays \124 literal]],
	-- a line comment ["x"] = 1
	after = "done", -- trailing comment
}
