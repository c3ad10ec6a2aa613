"""Salt All The Things: listener polls, in the podcast's voice."""

VOTING_TEXTS = {
    "home_title": "Listener poll",
    "menu_label": "Polls",
    "agent": {
        "campaign_launch": [
            "New listener poll: **{title}**. Rank your picks before {close_date}: {vote_url}"
        ],
        "first_vote": ["The first listener has voted in **{title}**. Your turn: {vote_url}"],
        "milestone_25": ["A quarter of our listeners have voted in **{title}**."],
        "milestone_50": ["Half-way there: {voted_count} listeners voted in **{title}**. {vote_url}"],
        "milestone_75": ["Three quarters of you have voted in **{title}**. {vote_url}"],
        "final_stretch": ["Less than a day to vote in **{title}**: {vote_url}"],
        "last_call": ["Last hour to vote in **{title}**! {vote_url}"],
        "all_voted": ["Every listener has voted in **{title}**. Thank you!"],
        "lead_change": ["Plot twist in **{title}**: {new_leader} overtakes {old_leader}."],
        "campaign_closed": [
            "The listeners have spoken: **{winner}** wins **{title}** ({total_voters} votes). "
            "We'll talk about it on the next episode! {results_url}"
        ],
    },
}
