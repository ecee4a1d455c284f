"""The dashboard's type and layout for a room: every text at least 16 px on a 1920 x 1080
projector, and Mesa's developer controls hidden until asked for.

Vuetify sets buttons, tabs, hints and small print at 12-14 px; the rules below lift each to
16 px or more. The browser test measures every visible text's computed size.
"""

from __future__ import annotations

# Inline styles of our own text.
BASE_PX = 18
LABEL_STYLE = "font-size: 18px; margin-top: 8px"
NOTE_STYLE = "font-size: 16px; color: #444"
STORY_STYLE = (
    "white-space: pre-wrap; font-size: 18px; line-height: 1.4; max-height: 640px; "
    "overflow-y: auto; margin: 0"
)
TABLE_STYLE = "margin: 10px 0; border-collapse: collapse; text-align: right; font-size: 20px"
CELL_STYLE = "padding: 4px 12px"

PAGE_CSS = f"""
/* SolaraViz's "Model Parameters" card stays empty (the settings are ours, below it). */
.v-navigation-drawer .v-card:has(> .v-card__text > .d-flex:empty) {{ display: none; }}
/* A wider sidebar: lever names at 16 px and more need the room. */
.v-navigation-drawer {{ width: 440px !important; max-width: 90vw; }}
.v-application, .v-application .v-card__text, .v-application .v-alert,
.v-application .v-label, .v-application .v-select__selection, .v-application input,
.v-application .v-list-item__title, .v-application .v-messages, .v-application .v-btn,
.v-application .v-btn__content {{ font-size: {BASE_PX}px !important; }}
.v-application .v-input .v-label--active {{ font-size: 16px !important;
    transform: translateY(-22px) scale(1) !important; }}
.v-application .v-card__title {{ font-size: 24px !important; }}
.v-application .v-toolbar__title {{ font-size: 24px !important; }}
.v-application .v-btn {{ text-transform: none; letter-spacing: normal; }}
.vendorsim-tabs .v-tab {{ font-size: 20px !important; text-transform: none;
    letter-spacing: normal; }}
.vendorsim-view {{ font-size: {BASE_PX}px; }}
"""

# Mesa's Controls card holds, besides Reset, Play and Step (a row of buttons), the play and
# render interval sliders, the "Use Threads" checkbox and its hint; the third card of Mesa's
# column is "Information: Time". Hidden until the developer switch is on.
_MESA_COLUMN = ".v-navigation-drawer__content > div > .d-flex:first-child"
DEV_HIDE_CSS = f"""
{_MESA_COLUMN} > .v-card:first-child > .v-card__text > :not(.d-flex) {{ display: none; }}
{_MESA_COLUMN} > .v-card:nth-child(3) {{ display: none; }}
"""
