//! The handbook as PDF: the help topics of "Das Bürgerportal" typeset on A4 with
//! the PDF standard fonts (Helvetica, WinAnsi encoding covers German), generated
//! by the application so it never drifts from the pages.

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::web::help;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;

/// One typeset block.
enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    Bullet(String),
}

/// The blocks of one help topic's Markdown body.
fn blocks_of(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut in_item = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Item) => in_item = true,
            Event::End(TagEnd::Item) => {
                blocks.push(Block::Bullet(std::mem::take(&mut text)));
                in_item = false;
            }
            Event::End(TagEnd::Paragraph) if !in_item => blocks.push(Block::Paragraph(std::mem::take(&mut text))),
            _ => {}
        }
    }
    blocks
}

/// Approximate Helvetica advance widths (per 1,000 units of the font size), good
/// enough to break lines without overflowing the margin.
fn char_width(c: char) -> f32 {
    match c {
        ' ' | 'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' => 278.0,
        'f' | 't' | 'I' | '(' | ')' | '-' | '[' | ']' | '/' => 333.0,
        'r' => 333.0,
        'm' | 'M' => 833.0,
        'w' | 'W' => 944.0,
        'A'..='Z' | 'Ä' | 'Ö' | 'Ü' => 722.0,
        '0'..='9' | 'a'..='z' | 'ä' | 'ö' | 'ü' | 'ß' => 556.0,
        '–' | '„' | '“' | '”' => 556.0,
        _ => 600.0,
    }
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(char_width).sum::<f32>() * size / 1000.0
}

/// Breaks `text` into lines no wider than `width` points.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if text_width(&candidate, size) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text in WinAnsi (Windows-1252), the encoding of the standard fonts.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            c if (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Lays out blocks on as many A4 pages as needed.
struct Typesetter {
    pages: Vec<Content>,
    y: f32,
}

impl Typesetter {
    fn new() -> Self {
        Typesetter { pages: vec![], y: 0.0 }
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn line(&mut self, font: &[u8], size: f32, x: f32, text: &str, leading: f32) {
        if self.pages.is_empty() || self.y - leading < MARGIN {
            self.new_page();
        }
        self.y -= leading;
        let page = self.pages.last_mut().expect("a page");
        page.begin_text().set_font(Name(font), size).next_line(x, self.y).show(Str(&win_ansi(text))).end_text();
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(t) => {
                for l in wrap(t, 24.0, TEXT_W) {
                    self.line(b"F2", 24.0, MARGIN, &l, 30.0);
                }
                self.y -= 12.0;
            }
            Block::Heading(t) => {
                // Keep a heading with at least two lines of its text.
                if self.y - 70.0 < MARGIN {
                    self.new_page();
                }
                self.y -= 10.0;
                for l in wrap(t, 16.0, TEXT_W) {
                    self.line(b"F2", 16.0, MARGIN, &l, 22.0);
                }
                self.y -= 4.0;
            }
            Block::Paragraph(t) => {
                for l in wrap(t, 11.0, TEXT_W) {
                    self.line(b"F1", 11.0, MARGIN, &l, 15.5);
                }
                self.y -= 6.0;
            }
            Block::Bullet(t) => {
                for (i, l) in wrap(t, 11.0, TEXT_W - 16.0).iter().enumerate() {
                    if i == 0 {
                        self.line(b"F1", 11.0, MARGIN, "•", 15.5);
                        self.y += 15.5;
                    }
                    self.line(b"F1", 11.0, MARGIN + 16.0, l, 15.5);
                }
                self.y -= 3.0;
            }
        }
    }
}

/// The handbook as a PDF document.
pub fn handbook_pdf() -> Vec<u8> {
    let mut blocks = vec![
        Block::Title("Handbuch zum Bürgerkonto".into()),
        Block::Paragraph("Wie Sie mit dem Bürgerportal Ihre Behördengänge online erledigen: vom Bürgerkonto bis zum Postkorb.".into()),
    ];
    for (_, title, body) in help::topics() {
        blocks.push(Block::Heading(title.into()));
        blocks.extend(blocks_of(body));
    }
    let mut setter = Typesetter::new();
    for b in &blocks {
        setter.block(b);
    }

    let (catalog, tree, info, regular, bold) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let first_page = 10;
    let page_ids: Vec<Ref> = (0..setter.pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr("de-DE"));
    pdf.document_info(info).title(TextStr("Handbuch zum Bürgerkonto")).producer(TextStr("Bürgerportal"));
    pdf.pages(tree).kids(page_ids.iter().copied()).count(page_ids.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let count = setter.pages.len();
    for (i, content) in setter.pages.into_iter().enumerate() {
        let (page_id, content_id) = (page_ids[i], Ref::new(first_page + 2 * i as i32 + 1));
        let mut content = content;
        // Page number at the bottom.
        let footer = format!("Seite {} von {count}", i + 1);
        content
            .begin_text()
            .set_font(Name(b"F1"), 9.0)
            .next_line(PAGE_W - MARGIN - text_width(&footer, 9.0), MARGIN / 2.0)
            .show(Str(&win_ansi(&footer)))
            .end_text();
        let mut page = pdf.page(page_id);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// `GET /hilfe/handbuch.pdf`
pub async fn download() -> Response {
    let mut response = handbook_pdf().into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"handbuch-buergerkonto.pdf\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handbook_is_a_pdf_with_every_topic() {
        let pdf = handbook_pdf();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("Kennwort vergessen") && text.contains("/Lang") && text.contains("/WinAnsiEncoding"));
        assert_eq!(win_ansi("Bürger „Straße“ – 5 €"), b"B\xfcrger \x84Stra\xdfe\x93 \x96 5 \x80");
    }

    #[test]
    fn lines_stay_inside_the_margins() {
        for line in wrap(&"Bürgerkonto Erstanmeldung Kennworterinnerung ".repeat(30), 11.0, TEXT_W) {
            assert!(text_width(&line, 11.0) <= TEXT_W, "{line}");
        }
    }
}
