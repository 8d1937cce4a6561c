using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>Which part of a (sub)message a body section names (RFC 3501 section 6.4.5).</summary>
public enum BodySectionText
{
    /// <summary>The whole message, or the whole part when <see cref="BodySection.Part"/> is given.</summary>
    Whole,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>
/// A section-spec: part numbers (1.2.3, empty for the top-level message) followed by an optional text
/// specifier; <see cref="HeaderFields"/> is the list of HEADER.FIELDS / HEADER.FIELDS.NOT, as the client
/// wrote the names.
/// </summary>
public sealed record BodySection(IReadOnlyList<int> Part, BodySectionText Text, IReadOnlyList<string> HeaderFields)
{
    public static readonly BodySection Entire = new([], BodySectionText.Whole, []);

    /// <summary>The spec as it goes between the brackets of <c>BODY[...]</c> in a response.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendJoin('.', Part);
        var suffix = Text switch
        {
            BodySectionText.Header => "HEADER",
            BodySectionText.HeaderFields => "HEADER.FIELDS",
            BodySectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
            BodySectionText.Text => "TEXT",
            BodySectionText.Mime => "MIME",
            _ => null,
        };
        if (suffix is not null)
        {
            if (Part.Count > 0) text.Append('.');
            text.Append(suffix);
        }
        if (Text is BodySectionText.HeaderFields or BodySectionText.HeaderFieldsNot)
        {
            text.Append(" (");
            for (var i = 0; i < HeaderFields.Count; i++)
            {
                if (i > 0) text.Append(' ');
                text.Append(ImapWireText.AsAstring(HeaderFields[i]));
            }
            text.Append(')');
        }
        return text.ToString();
    }

    public bool Equals(BodySection? other) =>
        other is not null && Part.SequenceEqual(other.Part) && Text == other.Text &&
        HeaderFields.SequenceEqual(other.HeaderFields, StringComparer.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(Part.Count, Text, HeaderFields.Count);
}
