from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.images.blocks import ImageChooserBlock


class KeyFactBlock(blocks.StructBlock):
    text = blocks.TextBlock(help_text="One fact, in the course's own words, with its figure.")
    source = blocks.CharBlock(max_length=200, help_text="The short citation learners see, e.g. Rush et al., 2006.")
    source_key = blocks.CharBlock(
        max_length=60, required=False, help_text="Key of the source in the course bibliography, e.g. rush2006."
    )

    class Meta:
        icon = "pick"
        template = "blocks/key_fact.html"
        label = "Key fact"


class CautionBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, default="Clinical caution")
    text = blocks.TextBlock()

    class Meta:
        icon = "warning"
        template = "blocks/caution.html"
        label = "Clinical caution"


class HandoutBlock(blocks.StructBlock):
    """A client handout: shown in the lesson and downloadable as a PDF made
    from the same text (courses/handouts.py)."""

    slug = blocks.CharBlock(max_length=60, help_text="Lower-case words and hyphens; the PDF's file name.")
    title = blocks.CharBlock(max_length=150)
    text = blocks.TextBlock(help_text="Paragraphs, '## ' headings and '- ' bullet lines.")

    class Meta:
        icon = "doc-full"
        template = "blocks/handout.html"
        label = "Handout"

    def get_context(self, value, parent_context=None):
        from .handouts import handout_parts

        context = super().get_context(value, parent_context=parent_context)
        context["parts"] = handout_parts(value["text"])
        return context


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=250, help_text="Describe the image for screen-reader users.")
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image.html"


class ReferenceBlock(blocks.StructBlock):
    citation = blocks.TextBlock()
    source = blocks.CharBlock(
        max_length=60, required=False, help_text="Key of the source in the course bibliography, e.g. rush2006."
    )


class LessonStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(max_length=150, form_classname="title", template="blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul", "h3"])
    key_fact = KeyFactBlock()
    caution = CautionBlock()
    image = CaptionedImageBlock()
    table = TableBlock(template="blocks/table.html")
    handout = HandoutBlock()
    references = blocks.ListBlock(ReferenceBlock(), template="blocks/references.html", icon="list-ul")


class PlannerBlock(blocks.StructBlock):
    """A planner, author or reviewer named in the CE disclosure."""

    name = blocks.CharBlock(max_length=120)
    role = blocks.CharBlock(max_length=80, help_text="Planner, author, content reviewer, ...")
    credentials = blocks.CharBlock(max_length=160)
    conflicts = blocks.TextBlock(help_text="Relevant financial relationships in the past 24 months, or 'None'.")

    class Meta:
        icon = "user"
        template = "blocks/planner.html"
