using System;
using System.Text;

namespace Convotron.Generator
{
    /// <summary>
    /// Writes indented C# source. <see cref="Block"/> opens a brace block that closes when the
    /// returned value is disposed, so the emitter's nesting mirrors the emitted code's.
    /// </summary>
    internal sealed class IndentedWriter
    {
        private const string IndentUnit = "    ";
        private readonly StringBuilder _builder = new();
        private int _indent;

        /// <summary>No line is longer than this: longer code breaks after a comma (or before a '+'), longer comments at a space.</summary>
        public const int MaxLineLength = 120;

        /// <summary>
        /// Writes one line at the current indentation. A line that would pass <see cref="MaxLineLength"/> is broken:
        /// code after the last ", " (or before the last " + ") that fits, outside string literals, continuing one level
        /// deeper; a comment at the last space that fits, continuing with the same comment marker. A line with no
        /// such place is written whole.
        /// </summary>
        public void WriteLine(string line)
        {
            int indent = _indent;
            while (line.Length > 0)
            {
                int width = MaxLineLength - indent * IndentUnit.Length;
                if (line.Length <= width || !Break(line, width, out string head, out string rest, out bool comment))
                {
                    Append(indent, line);
                    break;
                }
                Append(indent, head);
                line = rest;
                // Code continues one level deeper (once); a comment at its own level.
                indent = comment ? indent : _indent + 1;
            }
            if (line.Length == 0)
                _builder.Append('\n');
        }

        private void Append(int indent, string line)
        {
            for (int i = 0; i < indent; i++)
                _builder.Append(IndentUnit);
            _builder.Append(line).Append('\n');
        }

        /// <summary>Whether <paramref name="line"/> fits in <see cref="MaxLineLength"/> at the current indentation.</summary>
        public bool Fits(string line) => _indent * IndentUnit.Length + line.Length <= MaxLineLength;

        private static bool Break(string line, int width, out string head, out string rest, out bool comment)
        {
            head = rest = line;
            comment = false;
            string trimmed = line.TrimStart();
            if (trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                string marker = trimmed.StartsWith("///", StringComparison.Ordinal) ? "/// " : "// ";
                int space = line.LastIndexOf(' ', width - 1);
                if (space <= marker.Length)
                    return false;
                head = line.Substring(0, space);
                rest = marker + line.Substring(space + 1);
                comment = true;
                return true;
            }
            int best = -1;
            bool plus = false, inString = false;
            for (int i = 0; i + 1 < line.Length && i < width; i++)
            {
                char c = line[i];
                if (c == '"')
                    inString = !inString;
                else if (!inString && c == '/' && line[i + 1] == '/')
                    break; // a trailing comment is never broken
                else if (!inString && c == ',' && line[i + 1] == ' ')
                    (best, plus) = (i + 1, false);
                else if (!inString && c == ' ' && line[i + 1] == '+' && i + 2 < line.Length && line[i + 2] == ' ' && i > 0)
                    (best, plus) = (i, true);
            }
            if (best <= 0)
                return false;
            head = line.Substring(0, best).TrimEnd();
            rest = line.Substring(best).TrimStart();
            return head.Length > 0 && rest.Length > 0 && !plus || rest.StartsWith("+", StringComparison.Ordinal);
        }

        public void WriteLine() => _builder.Append('\n');

        /// <summary>Writes <paramref name="header"/> (if any), then "{", and indents until disposed.</summary>
        public BlockScope Block(string? header = null, string closing = "}")
        {
            if (header is not null)
                WriteLine(header);
            WriteLine("{");
            _indent++;
            return new BlockScope(this, closing);
        }

        /// <summary>Indents one level until disposed, without braces (a single-statement body).</summary>
        public BlockScope Indent()
        {
            _indent++;
            return new BlockScope(this, null);
        }

        public override string ToString() => _builder.ToString();

        internal readonly struct BlockScope : IDisposable
        {
            private readonly IndentedWriter _writer;
            private readonly string? _closing;

            public BlockScope(IndentedWriter writer, string? closing)
            {
                _writer = writer;
                _closing = closing;
            }

            public void Dispose()
            {
                _writer._indent--;
                if (_closing is not null)
                    _writer.WriteLine(_closing);
            }
        }
    }
}
