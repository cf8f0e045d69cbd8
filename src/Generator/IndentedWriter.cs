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

        public void WriteLine(string line)
        {
            if (line.Length > 0)
            {
                for (int i = 0; i < _indent; i++)
                    _builder.Append(IndentUnit);
                _builder.Append(line);
            }
            _builder.Append('\n');
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
