"""The PATT contest agent's voice (Discord posts) and the voting pages' wording.

Variants per milestone are picked per campaign; placeholders: {title} {vote_url}
{results_url} {close_date} {voted_count} {total_count} {remaining_count} {percent}
{leader_name} {first_name} {new_leader} {old_leader} {winner} {total_voters}.
"""

VOTING_TEXTS = {
    "home_title": "Guild vote",
    "agent": {
        "campaign_launch": [
            "Hear ye, hear ye! **{title}** is open for votes. Rank your favourites before {close_date}: {vote_url}",
            "The ballot box is open, adventurers: **{title}**. Cast your ranks by {close_date}: {vote_url}",
        ],
        "first_vote": ["First blood! The first ballot for **{title}** is in. Who's next? {vote_url}"],
        "milestone_25": [
            "A quarter of the guild has voted in **{title}** ({voted_count}/{total_count}). Pull harder!"
        ],
        "milestone_50": [
            "Half the raid is in! {voted_count} of {total_count} have voted in **{title}**. {vote_url}"
        ],
        "milestone_75": [
            "75 % of the guild has spoken on **{title}**. {remaining_count} stragglers left: {vote_url}"
        ],
        "final_stretch": [
            "Final stretch: **{title}** closes {close_date}. Don't be the one who wiped the vote. {vote_url}"
        ],
        "last_call": ["LAST CALL! **{title}** closes within the hour. {vote_url}"],
        "all_voted": ["Full clear! Every eligible member has voted in **{title}**."],
        "lead_change": ["Threat transfer! **{new_leader}** pulls aggro from {old_leader} in **{title}**."],
        "campaign_closed": [
            "**{title}** is done. The guild has chosen **{winner}** ({total_voters} ballots). Full results: {results_url}"
        ],
    },
}
