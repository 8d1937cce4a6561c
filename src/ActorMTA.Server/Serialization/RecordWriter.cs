using System.Text;

namespace ActorMTA.Server.Serialization;

/// <summary>Compact binary encoding of the field types entity records use (7-bit varints, UTF-8 strings).</summary>
internal sealed class RecordWriter : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _writer;

    public RecordWriter() => _writer = new BinaryWriter(_buffer, Encoding.UTF8, leaveOpen: true);

    public void String(string value) => _writer.Write(value);

    public void NullableString(string? value)
    {
        _writer.Write(value is not null);
        if (value is not null) _writer.Write(value);
    }

    public void Long(long value) => _writer.Write7BitEncodedInt64(value);

    public void Int(int value) => _writer.Write7BitEncodedInt(value);

    public void Byte(byte value) => _writer.Write(value);

    public void Bool(bool value) => _writer.Write(value);

    public void NullableLong(long? value)
    {
        _writer.Write(value.HasValue);
        if (value is { } v) Long(v);
    }

    public void NullableInt(int? value)
    {
        _writer.Write(value.HasValue);
        if (value is { } v) Int(v);
    }

    public void Bytes(byte[] value)
    {
        Int(value.Length);
        _writer.Write(value);
    }

    public void NullableBytes(byte[]? value)
    {
        _writer.Write(value is not null);
        if (value is not null) Bytes(value);
    }

    /// <summary>UTC ticks plus the offset in minutes, so the original zone survives (IMAP shows it).</summary>
    public void Timestamp(DateTimeOffset value)
    {
        _writer.Write(value.UtcTicks);
        _writer.Write((short)value.Offset.TotalMinutes);
    }

    public void Strings(IReadOnlyCollection<string> values)
    {
        Int(values.Count);
        foreach (var value in values) String(value);
    }

    public void Longs(IReadOnlyList<long> values)
    {
        Int(values.Count);
        foreach (var value in values) Long(value);
    }

    public void NullableLongs(IReadOnlyList<long>? values)
    {
        _writer.Write(values is not null);
        if (values is not null) Longs(values);
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _buffer.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }
}
