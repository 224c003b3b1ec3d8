// A strict little XML well-formedness check for the SVG writer's unit tests (the integration
// test parses with Python's xml.etree as well): declaration, elements with quoted attributes,
// matching end tags, one root, text and attribute values with only the five named entities or
// character references. Collects every element with its attributes.
#pragma once

#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace understudy::testing {

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attrs;
    std::string text;  // direct text content, entities left as written
};

struct XmlCheck {
    std::string error;  // empty: well-formed
    std::vector<XmlElement> elements;
};

inline bool xml_text_ok(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '<') return false;
        if (s[i] != '&') continue;
        auto semi = s.find(';', i);
        if (semi == std::string::npos) return false;
        std::string ent = s.substr(i + 1, semi - i - 1);
        if (ent != "amp" && ent != "lt" && ent != "gt" && ent != "quot" && ent != "apos" &&
            !(ent.size() > 1 && ent[0] == '#'))
            return false;
        i = semi;
    }
    return true;
}

inline XmlCheck check_xml(const std::string& doc) {
    XmlCheck out;
    std::vector<std::size_t> stack;  // indexes into elements
    std::size_t i = 0, roots = 0;
    auto fail = [&](const std::string& why) {
        out.error = why + " at offset " + std::to_string(i);
        return out;
    };
    if (doc.rfind("<?xml", 0) == 0) {
        i = doc.find("?>");
        if (i == std::string::npos) return fail("unterminated declaration");
        i += 2;
    }
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.'; };
    while (i < doc.size()) {
        if (doc[i] != '<') {
            auto next = doc.find('<', i);
            std::string text = doc.substr(i, next == std::string::npos ? std::string::npos : next - i);
            if (!xml_text_ok(text)) return fail("bad text");
            bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
            if (stack.empty() && !blank) return fail("text outside the root");
            if (!stack.empty()) out.elements[stack.back()].text += text;
            if (next == std::string::npos) break;
            i = next;
            continue;
        }
        if (doc.compare(i, 2, "</") == 0) {
            std::size_t j = i + 2;
            while (j < doc.size() && name_char(doc[j])) ++j;
            std::string name = doc.substr(i + 2, j - i - 2);
            if (stack.empty() || out.elements[stack.back()].name != name) return fail("mismatched </" + name + ">");
            stack.pop_back();
            if (j >= doc.size() || doc[j] != '>') return fail("bad end tag");
            i = j + 1;
            continue;
        }
        std::size_t j = i + 1;
        while (j < doc.size() && name_char(doc[j])) ++j;
        XmlElement el;
        el.name = doc.substr(i + 1, j - i - 1);
        if (el.name.empty()) return fail("empty element name");
        if (stack.empty() && roots++ > 0) return fail("second root element");
        bool self_closing = false;
        for (;;) {
            while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
            if (j >= doc.size()) return fail("unterminated tag");
            if (doc[j] == '>') { ++j; break; }
            if (doc.compare(j, 2, "/>") == 0) { j += 2; self_closing = true; break; }
            std::size_t k = j;
            while (k < doc.size() && name_char(doc[k])) ++k;
            std::string attr = doc.substr(j, k - j);
            if (attr.empty() || k + 1 >= doc.size() || doc[k] != '=' || (doc[k + 1] != '"' && doc[k + 1] != '\''))
                return fail("bad attribute in <" + el.name + ">");
            char q = doc[k + 1];
            auto end = doc.find(q, k + 2);
            if (end == std::string::npos) return fail("unterminated attribute");
            std::string value = doc.substr(k + 2, end - k - 2);
            if (!xml_text_ok(value)) return fail("bad attribute value " + attr);
            if (!el.attrs.emplace(attr, value).second) return fail("duplicate attribute " + attr);
            j = end + 1;
            if (j < doc.size() && !std::isspace(static_cast<unsigned char>(doc[j])) && doc[j] != '>' && doc[j] != '/')
                return fail("no space between attributes");
        }
        out.elements.push_back(std::move(el));
        if (!self_closing) stack.push_back(out.elements.size() - 1);
        i = j;
    }
    if (!stack.empty()) return fail("unclosed <" + out.elements[stack.back()].name + ">");
    if (roots != 1) return fail("no root element");
    return out;
}

}  // namespace understudy::testing
