using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

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

    public static Table Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFileException(path, "", "cannot be read: " + e.Message, e);
        }
        return Parse(path, bytes);
    }

    internal static Table Parse(string path, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw Error(path, 0, "not a .npy file: it does not start with the magic string \\x93NUMPY.");
        byte major = bytes[6], minor = bytes[7];
        if (major is < 1 or > 3 || minor != 0)
            throw Error(path, 6, $"unsupported .npy format version {major}.{minor}; this reader knows 1.0, 2.0 and 3.0.");
        int headerStart;
        long headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
            headerStart = 10;
        }
        else
        {
            if (bytes.Length < 12)
                throw Error(path, 8, "the file ends inside the header length.");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            headerStart = 12;
        }
        if (headerStart + headerLength > bytes.Length)
            throw Error(path, 8, $"the header length {headerLength} runs past the end of the file ({bytes.Length} bytes).");
        ReadOnlySpan<byte> headerBytes = bytes.Slice(headerStart, (int)headerLength);
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
        long dataStart = headerStart + headerLength;
        long expected = rows * columns * 8;
        long actual = bytes.Length - dataStart;
        if (actual != expected)
            throw Error(path, dataStart, $"shape ({rows}, {columns}) needs {expected} data bytes but the file has {actual} after the header.");
        var values = new double[rows * columns];
        for (long i = 0; i < values.LongLength; i++)
        {
            long offset = dataStart + 8 * i;
            double v = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice((int)offset, 8));
            if (!double.IsFinite(v))
                throw Error(path, offset, $"the value at row {i / columns}, column {i % columns} is {v.ToString(CultureInfo.InvariantCulture)}; only finite numbers are allowed.");
            values[i] = v;
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
