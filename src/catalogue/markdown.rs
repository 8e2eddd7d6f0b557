//! The Markdown subset of service descriptions: paragraphs, lists, bold, italic
//! and https/mailto links. Everything else — raw HTML, images, other link schemes
//! — is shown as plain text, so a catalogue file can never inject markup.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Safe HTML for `text`.
pub fn render(text: &str) -> String {
    let mut link_stack: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, Options::empty()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let allowed = dest_url.starts_with("https://") || dest_url.starts_with("mailto:") || dest_url.starts_with("tel:");
            link_stack.push(allowed);
            allowed.then_some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
        }
        Event::End(TagEnd::Link) => link_stack.pop().unwrap_or(false).then_some(Event::End(TagEnd::Link)),
        // Images become their alt text; headings become bold paragraphs (the page owns the outline).
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading { .. }) => Some(Event::Start(Tag::Strong)),
        Event::End(TagEnd::Heading(_)) => Some(Event::End(TagEnd::Strong)),
        Event::Code(code) => Some(Event::Text(code)),
        Event::Start(Tag::CodeBlock(_)) | Event::End(TagEnd::CodeBlock) => None,
        Event::Rule => Some(Event::Text(CowStr::Borrowed(""))),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out.replace("<a href=", "<a class=\"kern-link\" href=")
        .replace("<p>", "<p class=\"kern-body\">")
        .replace("<ul>", "<ul class=\"kern-list kern-list--bullet\">")
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_the_subset() {
        let html = render("Bitte **rechtzeitig** kommen.\n\n- Ausweis\n- Foto\n\n[Termin](https://termine.musterstadt.de)");
        assert!(html.contains("<strong>rechtzeitig</strong>"));
        assert!(html.contains("<li>Ausweis</li>"));
        assert!(html.contains(r#"<a class="kern-link" href="https://termine.musterstadt.de">Termin</a>"#));
    }

    #[test]
    fn never_lets_markup_or_scripts_through() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[klick](javascript:alert(1))",
            "![bild](https://evil.example/x.png)",
            "<a href=\"https://x\">x</a>",
        ] {
            let html = render(evil);
            assert!(
                !html.contains("<script")
                    && !html.contains("<img")
                    && !html.contains("javascript:")
                    && !html.contains("<a href=\"https://x\""),
                "{evil} → {html}"
            );
        }
    }
}
