-- PATTSync: writes the guild roster, with public and officer notes, into the SavedVariables
-- table PATTSyncDB for the PATT companion uploader (Lua 5.1, as the WoW client runs it).
--
-- The game writes SavedVariables to disk only on /reload or logout, so an export made now
-- reaches the companion at the next reload or logout.

local ADDON_NAME = ...

local GetMetadata = (C_AddOns and C_AddOns.GetAddOnMetadata) or GetAddOnMetadata
local VERSION = (GetMetadata and GetMetadata(ADDON_NAME or "PATTSync", "Version")) or "dev"

local COOLDOWN_SECONDS = 6 * 60 * 60 -- automatic exports (login, guild window) at most this often
local RETRY_DELAY_SECONDS = 2 -- the roster arrives asynchronously; ask again this much later
local MAX_RETRIES = 3
local PREFIX = "|cff33ccffPATTSync|r: "

-- The export being prepared: nil, or { force = bool, announce = bool, retries = n, timer = bool }.
local pending = nil

local function say(text)
    print(PREFIX .. text)
end

local function duration(seconds)
    seconds = math.max(0, math.floor(seconds))
    local hours = math.floor(seconds / 3600)
    local minutes = math.floor((seconds % 3600) / 60)
    if hours >= 24 then
        return string.format("%dd %dh", math.floor(hours / 24), hours % 24)
    elseif hours > 0 then
        return string.format("%dh %dm", hours, minutes)
    end
    return string.format("%dm", minutes)
end

-- Older saved data (or a hand-edited file) may miss keys or hold the wrong types.
local function ensureDB()
    if type(PATTSyncDB) ~= "table" then
        PATTSyncDB = {}
    end
    if type(PATTSyncDB.lastExportTime) ~= "number" then
        PATTSyncDB.lastExportTime = 0
    end
    if type(PATTSyncDB.totalExports) ~= "number" then
        PATTSyncDB.totalExports = 0
    end
    return PATTSyncDB
end

local function cooldownRemaining()
    local db = ensureDB()
    return db.lastExportTime + COOLDOWN_SECONDS - time()
end

local function canViewOfficerNote()
    if C_GuildInfo and C_GuildInfo.CanViewOfficerNote then
        return C_GuildInfo.CanViewOfficerNote() and true or false
    end
    if CanViewOfficerNote then
        return CanViewOfficerNote() and true or false
    end
    return false
end

local function requestRoster()
    if C_GuildInfo and C_GuildInfo.GuildRoster then
        C_GuildInfo.GuildRoster()
    elseif GuildRoster then
        GuildRoster()
    end
end

local function homeRealm()
    return (GetNormalizedRealmName and GetNormalizedRealmName()) or (GetRealmName and GetRealmName()) or ""
end

-- Connected realms list members as "Name-Realm" with the realm's normalized name (no spaces:
-- "Area52"); members of the player's own realm may come without a realm. Character names
-- cannot contain "-", so the first "-" separates the two. The player's own realm is written
-- with its display name ("Area 52"), which the site can match to Blizzard's realm slug.
local function splitName(fullName)
    local name, realm = string.match(fullName, "^([^-]+)-(.+)$")
    if not name then
        name, realm = fullName, homeRealm()
    end
    if realm == homeRealm() and GetRealmName then
        realm = GetRealmName() or realm
    end
    return name, realm
end

local function lastOnlineText(index, isOnline)
    if isOnline then
        return "Online"
    end
    local years, months, days, hours = GetGuildRosterLastOnline(index)
    years, months, days, hours = years or 0, months or 0, days or 0, hours or 0
    if years > 0 then
        return string.format("%dy %dm %dd", years, months, days)
    elseif months > 0 then
        return string.format("%dm %dd", months, days)
    elseif days > 0 then
        return string.format("%dd %dh", days, hours)
    end
    return string.format("%dh", hours)
end

-- Reads the whole roster, or returns nil while the client has not loaded it yet
-- (no members, or entries without a name).
local function readRoster()
    local total = GetNumGuildMembers() or 0
    if total == 0 then
        return nil
    end
    local officer = canViewOfficerNote()
    local characters = {}
    for i = 1, total do
        local fullName, rankName, rankIndex, level, className, zone, note, officerNote, isOnline, _, classFile, achievementPoints =
            GetGuildRosterInfo(i)
        if not fullName then
            return nil
        end
        local name, realm = splitName(fullName)
        isOnline = isOnline and true or false
        characters[i] = {
            name = name,
            realm = realm,
            class = className or "",
            classFile = classFile or "",
            level = level or 0,
            rank = rankIndex or 0,
            rankName = rankName or "",
            zone = zone or "",
            note = note or "",
            -- Left out (nil) when this player may not read officer notes, so that the site
            -- does not take "cannot see" for "empty".
            officerNote = officer and (officerNote or "") or nil,
            isOnline = isOnline,
            lastOnline = lastOnlineText(i, isOnline),
            achievementPoints = achievementPoints or 0,
        }
    end
    return characters, officer
end

local function writeExport(characters, officer)
    local db = ensureDB()
    local now = time()
    local player = UnitName and UnitName("player") or nil
    db.lastExportTime = now
    db.totalExports = db.totalExports + 1
    db.lastExport = {
        exportTime = now,
        exportTimeISO = date("!%Y-%m-%dT%H:%M:%SZ", now),
        addonVersion = VERSION,
        guildName = (GetGuildInfo("player")) or "",
        exportedBy = player and (player .. "-" .. homeRealm()) or nil,
        canViewOfficerNote = officer,
        memberCount = #characters,
        characters = characters,
    }
end

local tryExport

local function scheduleRetry()
    if pending.timer then
        return
    end
    pending.timer = true
    local job = pending
    C_Timer.After(RETRY_DELAY_SECONDS, function()
        if pending ~= job then -- finished (or replaced) meanwhile
            return
        end
        pending.timer = false
        pending.retries = pending.retries + 1
        if pending.retries > MAX_RETRIES then
            if pending.announce then
                say("the guild roster did not load; try again in a moment.")
            end
            pending = nil
            return
        end
        requestRoster()
        tryExport()
    end)
end

tryExport = function()
    if not pending then
        return
    end
    local characters, officer = readRoster()
    if not characters then
        scheduleRetry()
        return
    end
    local announce = pending.announce
    pending = nil
    writeExport(characters, officer)
    if announce then
        local notes = officer and "with officer notes" or "without officer notes (your rank cannot read them)"
        say(string.format("exported %d members %s. /reload or log out to save.", #characters, notes))
    end
end

-- Starts an export; it completes when GUILD_ROSTER_UPDATE shows a loaded roster.
local function requestExport(force, announce)
    if not IsInGuild() then
        if announce then
            say("you are not in a guild.")
        end
        return
    end
    if not force then
        local remaining = cooldownRemaining()
        if remaining > 0 then
            if announce then
                say("exported recently; next automatic export in " .. duration(remaining) .. ". Use /pattsync force.")
            end
            return
        end
    end
    if pending then
        pending.force = pending.force or force
        pending.announce = pending.announce or announce
        return
    end
    pending = { force = force, announce = announce, retries = 0, timer = false }
    requestRoster()
    -- GuildRoster() is throttled by the client and may not fire an update; check again later.
    scheduleRetry()
end

local function showStatus()
    local db = ensureDB()
    if db.lastExportTime == 0 or type(db.lastExport) ~= "table" then
        say("no export yet. Use /pattsync force.")
    else
        say(string.format(
            "last export %s ago, %d members, %d exports in total.",
            duration(time() - db.lastExportTime),
            db.lastExport.memberCount or 0,
            db.totalExports
        ))
    end
    local remaining = cooldownRemaining()
    if remaining > 0 then
        say("next automatic export in " .. duration(remaining) .. ".")
    else
        say("the next guild window opening exports the roster.")
    end
end

local function showHelp()
    say("v" .. VERSION .. " — exports the guild roster and notes for the PATT site.")
    say("/pattsync force — export now, ignoring the " .. duration(COOLDOWN_SECONDS) .. " cooldown")
    say("/pattsync status — last export and cooldown")
    say("/pattsync export — export unless one was made recently")
    say("/reload or log out to write the export to disk for the companion.")
end

SLASH_PATTSYNC1 = "/pattsync"
SLASH_PATTSYNC2 = "/patt"
SlashCmdList["PATTSYNC"] = function(message)
    local command = string.lower(string.match(message or "", "^%s*(%S*)") or "")
    if command == "" or command == "help" then
        showHelp()
    elseif command == "force" then
        requestExport(true, true)
    elseif command == "status" then
        showStatus()
    else
        requestExport(false, true)
    end
end

local function hookGuildWindow()
    if CommunitiesFrame and not CommunitiesFrame.PATTSyncHooked then
        CommunitiesFrame:HookScript("OnShow", function()
            requestExport(false, false)
        end)
        CommunitiesFrame.PATTSyncHooked = true
    end
end

local frame = CreateFrame("Frame")
frame:RegisterEvent("ADDON_LOADED")
frame:RegisterEvent("PLAYER_ENTERING_WORLD")
frame:RegisterEvent("GUILD_ROSTER_UPDATE")
frame:SetScript("OnEvent", function(_, event, arg1)
    if event == "ADDON_LOADED" then
        if arg1 == ADDON_NAME then
            ensureDB()
            hookGuildWindow()
        elseif arg1 == "Blizzard_Communities" then
            hookGuildWindow()
        end
    elseif event == "PLAYER_ENTERING_WORLD" then
        if arg1 then -- initial login, not a zone change or reload
            requestExport(false, false)
        end
    elseif event == "GUILD_ROSTER_UPDATE" then
        tryExport()
    end
end)

if ToggleGuildFrame and hooksecurefunc then
    hooksecurefunc("ToggleGuildFrame", function()
        requestExport(false, false)
    end)
end
