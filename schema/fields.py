"""Names shared by the labeling config, the tasks and the export reader, declared once.

The labeling config's tag names become ``from_name``/``to_name`` in every annotation
result; the task data keys become ``data`` of every task. Both sides read them from here.
"""

# <Text name=TEXT value="$text"/>: the tag name and the task data key of the article text.
TEXT = "text"
# <Labels name=ACTOR toName=TEXT>: actor-type spans.
ACTOR = "actor"
# Per-region <Choices name=STANCE perRegion="true" choice="single">.
STANCE = "stance"
# Per-region <Choices name=ROLES perRegion="true" choice="multiple">.
ROLES = "roles"
# Per-region <TextArea name=ACTOR_NAME perRegion="true">: canonical actor name.
ACTOR_NAME = "actor_name"

# Keys of each task's ``data``, in this order. The outlet is ``outlet``, never ``source``:
# Label Studio's editor overwrites a task data key named ``source`` with the whole task
# (as JSON) on the labeling page. ``byline`` is for display only: outlet and date.
OUTLET = "outlet"
BYLINE = "byline"
TASK_DATA_KEYS = (
    "text",
    "title",
    OUTLET,
    "published",
    "url",
    "article_id",
    "story_id",
    BYLINE,
)
# Keys that older projects used, read as their current name.
LEGACY_DATA_KEYS = {"source": OUTLET}
