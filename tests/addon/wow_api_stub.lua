-- A small stand-in for the parts of the WoW client API that PATTSync calls, driven from the
-- tests through the WOW table (clock, roster, permissions, events, timers, printed lines).
-- Like the game, it takes away os/io/require/debug/loadfile/dofile from the addon.

local os_date = os.date
local sort = table.sort

WOW = {
    now = 1767225600, -- 2026-01-01T00:00:00Z
    roster = {}, -- entries: { name=, rankName=, rankIndex=, level=, class=, classFile=, zone=, note=, officerNote=, online=, achievementPoints=, lastOnline={y,m,d,h} }
    inGuild = true,
    guildName = "Pull All The Things",
    player = "Trogmoon",
    realm = "Senjin", -- normalized (as in "Name-Realm"); realmDisplay is the name with spaces
    officer = true,
    loadAfterRequests = 1, -- the roster is readable after this many GuildRoster() calls
    unnamedEntries = 0, -- while > 0, the last entries come back without a name (still loading)
    respond = true, -- whether GuildRoster() is answered by GUILD_ROSTER_UPDATE
    rosterRequests = 0,
    messages = {},
    timers = {},
    frames = {},
    metadata = {},
}

local function rosterLoaded()
    return WOW.rosterRequests >= WOW.loadAfterRequests
end

function WOW.fire(event, ...)
    for _, frame in ipairs(WOW.frames) do
        local handler = frame.scripts.OnEvent
        if frame.events[event] and handler then
            handler(frame, event, ...)
        end
    end
end

-- Moves the clock forward, running every timer that falls due, in order.
function WOW.advance(seconds)
    local target = WOW.now + seconds
    while true do
        sort(WOW.timers, function(a, b)
            if a.at == b.at then
                return a.seq < b.seq
            end
            return a.at < b.at
        end)
        local nextTimer = WOW.timers[1]
        if not nextTimer or nextTimer.at > target then
            break
        end
        table.remove(WOW.timers, 1)
        WOW.now = math.max(WOW.now, nextTimer.at)
        nextTimer.fn()
    end
    WOW.now = target
end

local timerSeq = 0
C_Timer = {
    After = function(delay, fn)
        timerSeq = timerSeq + 1
        table.insert(WOW.timers, { at = WOW.now + delay, fn = fn, seq = timerSeq })
    end,
}

function time()
    return math.floor(WOW.now)
end

function date(format, when)
    return os_date(format, when or math.floor(WOW.now))
end

function print(...)
    local parts = {}
    for i = 1, select("#", ...) do
        parts[i] = tostring((select(i, ...)))
    end
    table.insert(WOW.messages, table.concat(parts, " "))
end

function CreateFrame(_, name)
    local frame = { events = {}, scripts = {}, hooks = {}, shown = false }
    function frame:RegisterEvent(event)
        self.events[event] = true
    end
    function frame:UnregisterEvent(event)
        self.events[event] = nil
    end
    function frame:SetScript(script, fn)
        self.scripts[script] = fn
    end
    function frame:GetScript(script)
        return self.scripts[script]
    end
    function frame:HookScript(script, fn)
        self.hooks[script] = self.hooks[script] or {}
        table.insert(self.hooks[script], fn)
    end
    function frame:Show()
        self.shown = true
        if self.scripts.OnShow then
            self.scripts.OnShow(self)
        end
        for _, hook in ipairs(self.hooks.OnShow or {}) do
            hook(self)
        end
    end
    function frame:Hide()
        self.shown = false
    end
    table.insert(WOW.frames, frame)
    if name then
        _G[name] = frame
    end
    return frame
end

function hooksecurefunc(name, hook)
    local original = _G[name]
    _G[name] = function(...)
        local a, b, c, d = original(...)
        hook(...)
        return a, b, c, d
    end
end

-- The guild window belongs to a load-on-demand Blizzard addon.
function WOW.loadCommunities()
    CreateFrame("Frame", "CommunitiesFrame")
    WOW.fire("ADDON_LOADED", "Blizzard_Communities")
end

function ToggleGuildFrame()
    if not CommunitiesFrame then
        WOW.loadCommunities()
    end
    if CommunitiesFrame.shown then
        CommunitiesFrame:Hide()
    else
        CommunitiesFrame:Show()
    end
end

SlashCmdList = {}

C_AddOns = {
    GetAddOnMetadata = function(_, field)
        return WOW.metadata[field]
    end,
}

C_GuildInfo = {
    GuildRoster = function()
        WOW.rosterRequests = WOW.rosterRequests + 1
        if WOW.respond then
            C_Timer.After(0.3, function()
                WOW.fire("GUILD_ROSTER_UPDATE", false)
            end)
        end
    end,
    CanViewOfficerNote = function()
        return WOW.officer
    end,
}

function IsInGuild()
    return WOW.inGuild
end

function GetGuildInfo(unit)
    if unit == "player" and WOW.inGuild then
        return WOW.guildName, "Officer", 1, nil
    end
    return nil
end

function GetNormalizedRealmName()
    return WOW.realm
end

function GetRealmName()
    return WOW.realmDisplay or WOW.realm
end

function UnitName(unit)
    if unit == "player" then
        return WOW.player
    end
    return nil
end

function GetNumGuildMembers()
    if not WOW.inGuild or not rosterLoaded() then
        return 0, 0, 0
    end
    local online = 0
    for _, member in ipairs(WOW.roster) do
        if member.online then
            online = online + 1
        end
    end
    return #WOW.roster, online, online
end

function GetGuildRosterInfo(index)
    local member = WOW.roster[index]
    if not member or not rosterLoaded() then
        return nil
    end
    if index > #WOW.roster - WOW.unnamedEntries then
        return nil
    end
    -- The game returns the officer note only to ranks that may read it.
    local officerNote = WOW.officer and member.officerNote or ""
    return member.name, member.rankName, member.rankIndex, member.level, member.class, member.zone,
        member.note, officerNote, member.online, 0, member.classFile, member.achievementPoints,
        0, false, false, 8, "Player-0000-" .. string.format("%08X", index)
end

function GetGuildRosterLastOnline(index)
    local member = WOW.roster[index]
    if not member or member.online or not member.lastOnline then
        return nil
    end
    local offline = member.lastOnline
    return offline[1], offline[2], offline[3], offline[4]
end

os, io, require, loadfile, dofile, package, debug, module = nil, nil, nil, nil, nil, nil, nil, nil
