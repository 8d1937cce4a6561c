using System.Text;

namespace ActorMTA.Server.Serialization;

/// <summary>Reads what <see cref="RecordWriter"/> wrote, in the same order.</summary>
internal sealed class RecordReader : IDisposable
{
    private readonly BinaryReader _reader;

    public RecordReader(byte[] bytes) => _reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);

    public string String() => _reader.ReadString();

    public string? NullableString() => _reader.ReadBoolean() ? _reader.ReadString() : null;

    public long Long() => _reader.Read7BitEncodedInt64();

    public int Int() => _reader.Read7BitEncodedInt();

    public byte Byte() => _reader.ReadByte();

    public bool Bool() => _reader.ReadBoolean();

    public long? NullableLong() => _reader.ReadBoolean() ? Long() : null;

    public int? NullableInt() => _reader.ReadBoolean() ? Int() : null;

    public byte[] Bytes() => _reader.ReadBytes(Count());

    public byte[]? NullableBytes() => _reader.ReadBoolean() ? Bytes() : null;

    public DateTimeOffset Timestamp()
    {
        var utcTicks = _reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(_reader.ReadInt16());
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }

    public string[] Strings()
    {
        var values = new string[Count()];
        for (var i = 0; i < values.Length; i++) values[i] = String();
        return values;
    }

    public long[] Longs()
    {
        var values = new long[Count()];
        for (var i = 0; i < values.Length; i++) values[i] = Long();
        return values;
    }

    public long[]? NullableLongs() => _reader.ReadBoolean() ? Longs() : null;

    /// <summary>A collection length, checked against the bytes left so a corrupt record cannot ask for gigabytes.</summary>
    public int Count()
    {
        var count = Int();
        if (count < 0 || count > _reader.BaseStream.Length - _reader.BaseStream.Position)
            throw new InvalidDataException($"corrupt record: collection of {count} elements");
        return count;
    }

    /// <summary>Fails on trailing bytes: a record read with the wrong layout must not pass silently.</summary>
    public void End()
    {
        if (_reader.BaseStream.Position != _reader.BaseStream.Length)
            throw new InvalidDataException($"corrupt record: {_reader.BaseStream.Length - _reader.BaseStream.Position} bytes left over");
    }

    public void Dispose() => _reader.Dispose();
}
