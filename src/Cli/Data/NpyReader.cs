using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Convotron.Cli.Data;

/// <summary>
/// A strict reader of NumPy .npy files holding a C-order float64 matrix: magic "\x93NUMPY", version
/// 1.0 (uint16 header length), 2.0 or 3.0 (uint32), a Python-literal dict with exactly the keys
/// 'descr' ('&lt;f8'), 'fortran_order' (False) and 'shape' ((n, m) with n ≥ 1, m ≥ 2), then exactly
/// n·m little-endian doubles. Errors name the byte offset.
/// </summary>
internal static class NpyReader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// Reads the file: the header first, then the doubles straight into the table's array (no
    /// second copy of the file in memory), checked for finiteness in vectors.
    /// </summary>
    public static Table Read(string path)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            long length = RandomAccess.GetLength(handle);
            // Magic, version and header length (at most 12 bytes), then the whole header.
            var prefix = new byte[(int)Math.Min(length, 12)];
            ReadFully(handle, prefix, 0);
            long headerEnd = HeaderEnd(path, prefix, length);
            var header = new byte[headerEnd];
            ReadFully(handle, header, 0);
            (long rows, long columns, long dataStart) = ParseHeader(path, header, length);
            var values = new double[rows * columns];
            const int chunk = 1 << 26; // doubles per read: 512 MB, within a span's int length in bytes
            for (long done = 0; done < values.LongLength; done += chunk)
            {
                int count = (int)Math.Min(chunk, values.LongLength - done);
                ReadFully(handle, MemoryMarshal.AsBytes(values.AsSpan((int)done, count)), dataStart + 8 * done);
            }
            return Finish(path, values, columns, dataStart);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, "", "cannot be read: " + e.Message, e);
        }
    }

    private static void ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
                throw new IOException("the file ended early (was it changed while being read?)");
            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Parses a whole .npy file held in memory.</summary>
    internal static Table Parse(string path, ReadOnlySpan<byte> bytes)
    {
        long headerEnd = HeaderEnd(path, bytes[..Math.Min(bytes.Length, 12)], bytes.Length);
        (long rows, long columns, long dataStart) = ParseHeader(path, bytes[..(int)headerEnd], bytes.Length);
        var values = new double[rows * columns];
        bytes[(int)dataStart..].CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return Finish(path, values, columns, dataStart);
    }

    /// <summary>Checks the magic string and version of the first (at most 12) bytes; returns where the header ends.</summary>
    private static long HeaderEnd(string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (prefix.Length < 10 || !prefix[..6].SequenceEqual(Magic))
            throw Error(path, 0, "not a .npy file: it does not start with the magic string \\x93NUMPY.");
        byte major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0)
            throw Error(path, 6, $"unsupported .npy format version {major}.{minor}; this reader knows 1.0, 2.0 and 3.0.");
        long headerEnd;
        if (major == 1)
        {
            headerEnd = 10L + BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
        }
        else
        {
            if (prefix.Length < 12)
                throw Error(path, 8, "the file ends inside the header length.");
            headerEnd = 12L + BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        }
        if (headerEnd > fileLength)
            throw Error(path, 8, $"the header length {headerEnd - (major == 1 ? 10 : 12)} runs past the end of the file ({fileLength} bytes).");
        return headerEnd;
    }

    /// <summary>Parses the header (the file's bytes up to the data) of a file of <paramref name="fileLength"/> bytes.</summary>
    private static (long Rows, long Columns, long DataStart) ParseHeader(string path, ReadOnlySpan<byte> bytes, long fileLength)
    {
        byte major = bytes[6];
        int headerStart = major == 1 ? 10 : 12;
        long headerLength = bytes.Length - headerStart;
        ReadOnlySpan<byte> headerBytes = bytes[headerStart..];
        string header;
        try
        {
            header = major == 3 ? new UTF8Encoding(false, true).GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidFileException(path, "byte " + headerStart.ToString(CultureInfo.InvariantCulture), "the header is not valid UTF-8.", e);
        }
        if (header.Length == 0 || header[^1] != '\n')
            throw Error(path, headerStart + headerLength - 1, "the header does not end with a newline.");
        var dictionary = new HeaderParser(path, header, headerStart).ParseDictionary();
        foreach (string key in dictionary.Keys)
        {
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw Error(path, headerStart, $"unexpected header key '{key}'; expected only 'descr', 'fortran_order' and 'shape'.");
        }
        if (!dictionary.TryGetValue("descr", out object? descr) || descr is not string d || d != "<f8")
            throw Error(path, headerStart, $"'descr' must be '<f8' (little-endian float64); found {Show(descr)}.");
        if (!dictionary.TryGetValue("fortran_order", out object? fortran) || fortran is not bool f || f)
            throw Error(path, headerStart, $"'fortran_order' must be False (C order); found {Show(fortran)}.");
        if (!dictionary.TryGetValue("shape", out object? shapeValue) || shapeValue is not List<long> shape || shape.Count != 2)
            throw Error(path, headerStart, $"'shape' must be a 2-tuple (n, d+1); found {Show(shapeValue)}.");
        long rows = shape[0], columns = shape[1];
        if (rows < 1 || columns < 2)
            throw Error(path, headerStart, $"'shape' is ({rows}, {columns}); need at least 1 row and 2 columns (inputs and a label).");
        // Before multiplying: a product beyond long wraps around and could equal the file's real size.
        if (columns > Array.MaxLength / rows)
            throw Error(path, headerStart, $"'shape' is ({rows}, {columns}): more values than one array can hold; split the file.");
        long dataStart = headerStart + headerLength;
        long expected = rows * columns * 8;
        long actual = fileLength - dataStart;
        if (actual != expected)
            throw Error(path, dataStart, $"shape ({rows}, {columns}) needs {expected} data bytes but the file has {actual} after the header.");
        return (rows, columns, dataStart);
    }

    /// <summary>
    /// Turns the file's little-endian doubles into this machine's order and refuses the first
    /// non-finite value, naming its byte offset (x − x is 0 for every finite x and NaN otherwise).
    /// </summary>
    private static Table Finish(string path, double[] values, long columns, long dataStart)
    {
        if (!BitConverter.IsLittleEndian)
        {
            Span<long> words = MemoryMarshal.Cast<double, long>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        ReadOnlySpan<double> all = values;
        int vectors = all.Length / Vector<double>.Count;
        ReadOnlySpan<Vector<double>> blocks = MemoryMarshal.Cast<double, Vector<double>>(all[..(vectors * Vector<double>.Count)]);
        int first = vectors * Vector<double>.Count;
        for (int b = 0; b < blocks.Length; b++)
        {
            if (!Vector.EqualsAll(blocks[b] - blocks[b], Vector<double>.Zero))
            {
                first = b * Vector<double>.Count;
                break;
            }
        }
        for (int i = first; i < all.Length; i++)
        {
            if (!double.IsFinite(all[i]))
                throw Error(path, dataStart + 8L * i, $"the value at row {i / columns}, column {i % columns} is {all[i].ToString(CultureInfo.InvariantCulture)}; only finite numbers are allowed.");
        }
        return new Table(path, null, (int)columns, values);
    }

    private static string Show(object? value) => value switch
    {
        null => "nothing",
        string s => "'" + s + "'",
        bool b => b ? "True" : "False",
        List<long> list => "(" + string.Join(", ", list) + ")",
        _ => value.ToString() ?? "?",
    };

    private static InvalidFileException Error(string path, long offset, string detail) =>
        new(path, "byte " + offset.ToString(CultureInfo.InvariantCulture), detail);

    /// <summary>Parses the Python-literal dict of a .npy header: string keys; string, bool or int-tuple values.</summary>
    private sealed class HeaderParser(string path, string text, int baseOffset)
    {
        private int _i;

        public Dictionary<string, object> ParseDictionary()
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            SkipSpace();
            Expect('{');
            SkipSpace();
            while (Peek() != '}')
            {
                string key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                object value = ParseValue();
                if (!result.TryAdd(key, value))
                    throw Error(path, baseOffset + _i, $"the header repeats the key '{key}'.");
                SkipSpace();
                if (Peek() == ',')
                {
                    _i++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Error(path, baseOffset + _i, "expected ',' or '}' in the header dict.");
                }
            }
            _i++;
            SkipSpace();
            if (_i != text.Length)
                throw Error(path, baseOffset + _i, "unexpected text after the header dict.");
            return result;
        }

        private object ParseValue()
        {
            char c = Peek();
            if (c is '\'' or '"')
                return ParseString();
            if (c == '(')
                return ParseTuple();
            if (Match("True"))
                return true;
            if (Match("False"))
                return false;
            throw Error(path, baseOffset + _i, "expected a string, True, False or a tuple in the header.");
        }

        private List<long> ParseTuple()
        {
            Expect('(');
            var values = new List<long>();
            SkipSpace();
            while (Peek() != ')')
            {
                int start = _i;
                while (_i < text.Length && char.IsAsciiDigit(text[_i]))
                    _i++;
                if (start == _i || !long.TryParse(text.AsSpan(start, _i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                    throw Error(path, baseOffset + start, "expected a non-negative integer in the shape tuple.");
                values.Add(v);
                SkipSpace();
                if (Peek() == ',')
                {
                    _i++;
                    SkipSpace();
                }
                else if (Peek() != ')')
                {
                    throw Error(path, baseOffset + _i, "expected ',' or ')' in the shape tuple.");
                }
            }
            _i++;
            return values;
        }

        private string ParseString()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"'))
                throw Error(path, baseOffset + _i, "expected a quoted string in the header.");
            int start = ++_i;
            while (_i < text.Length && text[_i] != quote)
                _i++;
            if (_i >= text.Length)
                throw Error(path, baseOffset + start - 1, "a string in the header is not closed.");
            return text[start.._i++];
        }

        private bool Match(string word)
        {
            if (string.CompareOrdinal(text, _i, word, 0, word.Length) != 0)
                return false;
            _i += word.Length;
            return true;
        }

        private char Peek() => _i < text.Length ? text[_i] : throw Error(path, baseOffset + _i, "the header dict ends too early.");

        private void Expect(char c)
        {
            if (Peek() != c)
                throw Error(path, baseOffset + _i, $"expected '{c}' in the header.");
            _i++;
        }

        private void SkipSpace()
        {
            while (_i < text.Length && text[_i] is ' ' or '\n')
                _i++;
        }
    }

    /// <summary>Writes a version-1.0 .npy file of a C-order float64 matrix (used by make-data and the tests).</summary>
    public static byte[] Write(int rows, int columns, ReadOnlySpan<double> values)
    {
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        int total = 10 + dict.Length + 1;
        int padding = (64 - total % 64) % 64;
        string header = dict + new string(' ', padding) + "\n";
        var bytes = new byte[10 + header.Length + values.Length * 8];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(10 + header.Length + 8 * i), values[i]);
        return bytes;
    }
}
